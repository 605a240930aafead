import { dirname, resolve } from "node:path";
import { type ConfigChanges, diffConfig } from "./diff.js";
import type { SourceLocation } from "./errors.js";
import {
  type ConfigLogger,
  type ConfigPaths,
  OptionReader,
  type OptionReaderOptions,
  type OptionSource,
} from "./getters.js";
import { resolveRelativePath } from "./paths.js";
import {
  type ConfigData,
  type ConfigProblem,
  GLOBAL,
  type HostType,
  newSection,
  type OptionEntry,
  type OptionValue,
} from "./types.js";

/** A host as the configuration declares it. */
export interface HostInfo {
  readonly name: string;
  readonly type: HostType;
  /** Every place it was declared (more than one is a duplicate). */
  readonly definedAt: readonly SourceLocation[];
}

export interface ConfigOptions {
  /** Default logger of the readers made by `options()`. Default: `console`. */
  logger?: ConfigLogger | undefined;
  /** Overrides the directories `getOptionPath` resolves against. */
  paths?: Partial<ConfigPaths> | undefined;
  /** Re-reads the configuration for `reload()`; set by `loadConfig`. */
  reloader?: (() => Promise<ConfigData>) | undefined;
}

/**
 * A loaded configuration: the global section (`"*"`), VirtualHosts and Components, with Prosody's
 * lookup rules and typed getters.
 */
export class Config implements OptionSource {
  #data: ConfigData;
  readonly #logger: ConfigLogger;
  readonly #pathOverrides: Partial<ConfigPaths>;
  readonly #reloader: (() => Promise<ConfigData>) | undefined;
  #paths: ConfigPaths | undefined;
  /** Bumped by every change (set, reload); readers use it to know their view is stale. */
  generation = 0;
  readonly #views = new Map<string, Map<string, OptionEntry>>();

  constructor(data: ConfigData, options: ConfigOptions = {}) {
    this.#data = data;
    this.#logger = options.logger ?? console;
    this.#pathOverrides = options.paths ?? {};
    this.#reloader = options.reloader;
  }

  /** The main file, when the config was loaded from one. */
  get file(): string | undefined {
    return this.#data.files[0];
  }

  /** Every file read, main file first. */
  get files(): readonly string[] {
    return this.#data.files;
  }

  /** The raw sections; read-only use. */
  get data(): ConfigData {
    return this.#data;
  }

  /** Non-fatal problems met while loading; `check()` reports these and more. */
  get problems(): readonly ConfigProblem[] {
    return this.#data.problems;
  }

  get paths(): ConfigPaths {
    if (this.#paths === undefined) {
      const configDir = this.#pathOverrides.config ?? (this.file ? dirname(this.file) : process.cwd());
      const dataPath = this.#data.global.options.get("data_path")?.value;
      this.#paths = {
        config: configDir,
        source: this.#pathOverrides.source ?? process.cwd(),
        data:
          this.#pathOverrides.data ??
          resolve(resolveRelativePath(configDir, typeof dataPath === "string" ? dataPath : "data")),
      };
    }
    return this.#paths;
  }

  #changed(): void {
    this.generation++;
    this.#views.clear();
  }

  /** Every option visible on `host`: its own over the global ones. Rebuilt after a change. */
  view(host: string): ReadonlyMap<string, OptionEntry> {
    let view = this.#views.get(host);
    if (view === undefined) {
      view = new Map(this.#data.global.options);
      const section = host === GLOBAL ? undefined : this.#data.hosts.get(host);
      if (section !== undefined) for (const [name, entry] of section.options) view.set(name, entry);
      this.#views.set(host, view);
    }
    return view;
  }

  /** The entry of `name` on `host`, else the global one. An unknown host reads the global section. */
  lookup(host: string, name: string): OptionEntry | undefined {
    const section = this.#data.hosts.get(host);
    if (section !== undefined) {
      const entry = section.options.get(name);
      if (entry !== undefined) return entry;
    }
    return this.#data.global.options.get(name);
  }

  lookupSection(host: string, name: string): string | undefined {
    if (this.#data.hosts.get(host)?.options.has(name)) return host;
    return this.#data.global.options.has(name) ? GLOBAL : undefined;
  }

  /** The value of `name` on `host` (host first, then global); `undefined` when unset. */
  get(host: string, name: string): OptionValue | undefined {
    return this.lookup(host, name)?.value;
  }

  /** Where the value `get(host, name)` returns was set. */
  locate(host: string, name: string): SourceLocation | undefined {
    return this.lookup(host, name)?.location;
  }

  /** The value set in this very section, without falling back to the global one. */
  rawGet(host: string, name: string): OptionValue | undefined {
    const section = host === GLOBAL ? this.#data.global : this.#data.hosts.get(host);
    return section?.options.get(name)?.value;
  }

  /**
   * Sets an option from code; `undefined` removes it. An unknown host is created as a VirtualHost.
   * Returns false (and does nothing) without a host and a name.
   */
  set(host: string, name: string, value: OptionValue | undefined): boolean {
    if (!host || !name) return false;
    let section = host === GLOBAL ? this.#data.global : this.#data.hosts.get(host);
    if (section === undefined) {
      section = newSection(host, "local");
      this.#data.hosts.set(host, section);
    }
    if (value === undefined) section.options.delete(name);
    else section.options.set(name, { value });
    if (host === GLOBAL && name === "data_path") this.#paths = undefined;
    this.#changed();
    return true;
  }

  /** Every VirtualHost and Component, in the order they were declared. */
  hosts(): HostInfo[] {
    return [...this.#data.hosts.values()].map(({ name, type, definedAt }) => ({ name, type, definedAt }));
  }

  /** One host, or undefined. */
  host(name: string): HostInfo | undefined {
    const section = this.#data.hosts.get(name);
    return section && { name: section.name, type: section.type, definedAt: section.definedAt };
  }

  /** `"global"` for `*`, `"local"` or `"component"` for declared hosts, undefined otherwise. */
  hostType(name: string): HostType | undefined {
    return name === GLOBAL ? "global" : this.#data.hosts.get(name)?.type;
  }

  /**
   * Typed getters for one host (`"*"` for global). Cheap: the reader holds no copy and sees
   * reloads. This is what a module's `getOption*` methods wrap.
   */
  options(host: string, options: OptionReaderOptions = {}): OptionReader {
    return new OptionReader(this, host, {
      logger: options.logger ?? this.#logger,
      moduleDir: options.moduleDir,
    });
  }

  /**
   * Reads the files again and swaps the new configuration in, reporting what changed per host.
   * When reading fails, the error is thrown and the current configuration stays.
   */
  async reload(): Promise<ConfigChanges> {
    if (this.#reloader === undefined) {
      throw new Error("this Config was not loaded from a file: nothing to reload");
    }
    const next = await this.#reloader();
    const changes = diffConfig(this.#data, next);
    this.#data = next;
    this.#paths = undefined;
    this.#changed();
    return changes;
  }
}
