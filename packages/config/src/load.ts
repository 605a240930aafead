import { existsSync, readFileSync } from "node:fs";
import { extname, join, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { Config, type ConfigOptions } from "./config.js";
import type { CantoConfig } from "./define-config.js";
import { ConfigError, ConfigFileError, ConfigParseError } from "./errors.js";
import { jsonErrorOffset } from "./json-position.js";
import { type LuaLoadOptions, loadLuaConfig } from "./lua/evaluate.js";
import { dataFromObject } from "./object-source.js";
import type { ConfigData } from "./types.js";

export interface LoadConfigOptions extends Omit<ConfigOptions, "reloader">, LuaLoadOptions {}

/** File names `findConfigFile` tries, in order. */
export const CONFIG_FILE_NAMES = [
  "canto.config.ts",
  "canto.config.mts",
  "canto.config.js",
  "canto.config.mjs",
  "canto.config.json",
  "prosody.cfg.lua",
] as const;

/** The first of CONFIG_FILE_NAMES present in `dir`, or undefined. */
export function findConfigFile(dir: string = process.cwd()): string | undefined {
  for (const name of CONFIG_FILE_NAMES) {
    const file = join(dir, name);
    if (existsSync(file)) return file;
  }
  return undefined;
}

function lineOfPosition(text: string, position: number): number {
  let line = 1;
  for (let i = 0; i < position && i < text.length; i++) if (text[i] === "\n") line++;
  return line;
}

function readText(file: string): string {
  try {
    return readFileSync(file, "utf8");
  } catch (cause) {
    const reason = (cause as NodeJS.ErrnoException).code === "ENOENT" ? "no such file" : String(cause);
    throw new ConfigFileError(`cannot read config file: ${reason}`, { file, cause });
  }
}

let jiti: Promise<{ import(id: string, options: { default: true }): Promise<unknown> }> | undefined;

/**
 * TypeScript configs are loaded with jiti (https://github.com/unjs/jiti), which strips types in
 * process on Node 20; it is imported only when a `.ts` config is loaded.
 */
function typescriptLoader() {
  jiti ??= import("jiti").then(({ createJiti }) =>
    createJiti(import.meta.url, { moduleCache: false, fsCache: false, interopDefault: true }),
  );
  return jiti;
}

async function readModule(file: string, ext: string): Promise<unknown> {
  try {
    if (ext === ".ts" || ext === ".mts" || ext === ".cts") {
      return await (await typescriptLoader()).import(file, { default: true });
    }
    // The query defeats the ESM cache so that reload() sees a changed file.
    const module = (await import(`${pathToFileURL(file).href}?reload=${Date.now()}`)) as {
      default?: unknown;
    };
    return module.default ?? module;
  } catch (cause) {
    if (cause instanceof ConfigError) throw cause;
    const message = cause instanceof Error ? cause.message : String(cause);
    throw new ConfigParseError(`cannot evaluate config module: ${message}`, { file, cause });
  }
}

/** Reads one file into sections, by its extension. */
export async function readConfigData(file: string, options: LuaLoadOptions = {}): Promise<ConfigData> {
  const path = resolve(file);
  const ext = extname(path).toLowerCase();
  if (ext === ".lua") return loadLuaConfig(path, options);
  if (ext === ".json") {
    const text = readText(path);
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch (cause) {
      const message = cause instanceof Error ? cause.message : String(cause);
      const offset = jsonErrorOffset(text);
      throw new ConfigParseError(`syntax error: ${message.split("\n")[0]}`, {
        file: path,
        line: offset === undefined ? undefined : lineOfPosition(text, offset),
        cause,
      });
    }
    return dataFromObject(parsed, path, text);
  }
  if ([".ts", ".mts", ".cts", ".js", ".mjs", ".cjs"].includes(ext)) {
    const text = readText(path);
    return dataFromObject(await readModule(path, ext), path, text);
  }
  throw new ConfigFileError(`unknown config format '${ext}' (expected .ts, .js, .mjs, .json or .lua)`, {
    file: path,
  });
}

/**
 * Loads `canto.config.ts`/`.js`/`.mjs`/`.json` or a Prosody `.cfg.lua` file. Without a file, the
 * first of CONFIG_FILE_NAMES in the current folder is used.
 */
export async function loadConfig(file?: string, options: LoadConfigOptions = {}): Promise<Config> {
  const path = file ?? findConfigFile();
  if (path === undefined) {
    throw new ConfigFileError(
      `no config file found in ${process.cwd()} (tried ${CONFIG_FILE_NAMES.join(", ")})`,
    );
  }
  const { env, tolerant, ...rest } = options;
  const read = () => readConfigData(path, { env, tolerant });
  return new Config(await read(), { ...rest, reloader: read });
}

/** A Config from an object in code, e.g. the value of `defineConfig({...})`: no file needed. */
export function createConfig(config: CantoConfig, options: Omit<ConfigOptions, "reloader"> = {}): Config {
  return new Config(dataFromObject(config), options);
}
