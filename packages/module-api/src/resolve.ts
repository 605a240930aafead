import { access } from "node:fs/promises";
import { createRequire } from "node:module";
import { join, resolve as resolvePath } from "node:path";
import { pathToFileURL } from "node:url";
import { ModuleError } from "./errors.js";
import type { ModuleSetup, ModuleSource } from "./module.js";

/** Finds a module by name; `undefined` when this resolver has no such module. */
export type ModuleResolver = (name: string, options: { fresh: boolean }) => Promise<ModuleSource | undefined>;

const NAME = /^[a-z0-9][a-z0-9_-]*$/i;

/** Modules given in code, such as the standard set of `@canto/modules`. */
export function builtinResolver(
  modules: Readonly<Record<string, ModuleSetup>> | ReadonlyMap<string, ModuleSetup>,
): ModuleResolver {
  const map = modules instanceof Map ? modules : new Map(Object.entries(modules));
  return async (name) => {
    const setup = map.get(name);
    return setup === undefined ? undefined : { name, setup };
  };
}

let generation = 0;

/** Imports a module file; with `fresh`, a new copy (ES modules are cached by URL). */
export async function importModuleFile(name: string, file: string, fresh: boolean): Promise<ModuleSource> {
  const url = pathToFileURL(file).href + (fresh ? `?reload=${++generation}` : "");
  let namespace: { default?: unknown };
  try {
    namespace = (await import(url)) as { default?: unknown };
  } catch (error) {
    throw new ModuleError(
      "module-load-failed",
      `module ${name}: cannot import ${file}: ${(error as Error).message}`,
      {
        module: name,
        cause: error,
      },
    );
  }
  if (typeof namespace.default !== "function") {
    throw new ModuleError(
      "module-load-failed",
      `module ${name}: ${file} must export a setup function as its default export`,
      { module: name },
    );
  }
  return { name, setup: namespace.default as ModuleSetup, file };
}

async function exists(file: string): Promise<boolean> {
  try {
    await access(file);
    return true;
  } catch {
    return false;
  }
}

/** `plugin_paths` directories: `mod_<name>.js`, `mod_<name>.mjs`, `mod_<name>/index.js`. */
export function pluginPathResolver(directories: readonly string[]): ModuleResolver {
  return async (name, { fresh }) => {
    for (const directory of directories) {
      for (const candidate of [`mod_${name}.js`, `mod_${name}.mjs`, join(`mod_${name}`, "index.js")]) {
        const file = resolvePath(directory, candidate);
        if (await exists(file)) return importModuleFile(name, file, fresh);
      }
    }
    return undefined;
  };
}

/** npm packages named `canto-mod-<name>`, resolved from `base` (a directory). */
export function npmResolver(base: string): ModuleResolver {
  const require = createRequire(join(resolvePath(base), "noop.js"));
  return async (name, { fresh }) => {
    let file: string;
    try {
      file = require.resolve(`canto-mod-${name}`);
    } catch {
      return undefined;
    }
    return importModuleFile(name, file, fresh);
  };
}

/** Tries each resolver in turn; a module none of them knows is `module-not-found`. */
export function chainResolvers(
  resolvers: readonly ModuleResolver[],
): (name: string, fresh: boolean) => Promise<ModuleSource> {
  return async (name, fresh) => {
    if (!NAME.test(name)) {
      throw new ModuleError("module-not-found", `invalid module name ${JSON.stringify(name)}`, {
        module: name,
      });
    }
    for (const resolver of resolvers) {
      const found = await resolver(name, { fresh });
      if (found !== undefined) return found;
    }
    throw new ModuleError(
      "module-not-found",
      `module ${name} not found (looked in built-ins, plugin_paths and npm canto-mod-${name})`,
      {
        module: name,
      },
    );
  };
}
