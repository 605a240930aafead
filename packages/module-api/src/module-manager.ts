import { ModuleError } from "./errors.js";
import { GLOBAL_HOST, type Host, type HostType } from "./host.js";
import { Module, type ModuleSource } from "./module.js";
import type { Runtime } from "./runtime.js";

/** Prosody's autoload set; which of these exist depends on the modules installed. */
export const PROSODY_AUTOLOAD = [
  "presence",
  "message",
  "iq",
  "offline",
  "c2s",
  "s2s",
  "s2s_auth_certs",
] as const;
/** The modules a Component keeps of the global set. */
export const COMPONENT_MODULES = [
  "tls",
  "saslauth",
  "dialback",
  "iq",
  "s2s",
  "s2s_bidi",
  "smacks",
  "server_contact_info",
] as const;

export interface ModuleManagerOptions {
  /** Finds a module's code by name; `fresh` asks for a new copy for a reload. */
  resolve: (name: string, fresh: boolean) => Promise<ModuleSource>;
  /** Loaded on every host before `modules_enabled`. Default: none. */
  autoload?: readonly string[];
  /** What a Component keeps of the global modules. Default {@link COMPONENT_MODULES}. */
  componentModules?: readonly string[];
  /**
   * Rewrites the list a host loads, after the lists and autoloads are combined: implied modules
   * (Prosody's `authentication` provider), other names for a module. Default: the list as it is.
   */
  hostModules?: (host: string, type: HostType | "global" | undefined, names: readonly string[]) => string[];
  /**
   * Names whose code may be absent: such a module that is not found is skipped (reported in
   * `skipped`), not a load failure. Default: none.
   */
  optional?: (name: string) => boolean;
}

interface LoadOptions {
  savedState?: unknown;
  reloading?: boolean;
  source?: ModuleSource;
}

/**
 * Loads, unloads and reloads modules by name for a host. Unlike Prosody, a load that fails
 * part-way undoes what it registered, and a reload whose new code fails leaves the old code running.
 */
export class ModuleManager {
  readonly #runtime: () => Runtime;
  readonly #options: ModuleManagerOptions;
  readonly #busy = new Map<string, Promise<unknown>>();

  constructor(runtime: () => Runtime, options: ModuleManagerOptions) {
    this.#runtime = runtime;
    this.#options = options;
  }

  #host(name: string): Host {
    const host = this.#runtime().host(name);
    if (host === undefined)
      throw new ModuleError("unknown-host", `unknown host ${JSON.stringify(name)}`, { host: name });
    return host;
  }

  /** The module loaded as `name` on `host` (or globally), if any. */
  get(host: string, name: string): Module | undefined {
    return this.#runtime().host(host)?.modules.get(name);
  }

  /** Whether `name` is loaded on `host`. */
  isLoaded(host: string, name: string): boolean {
    return this.get(host, name) !== undefined;
  }

  /** Names of the modules loaded on `host`. */
  list(host: string): string[] {
    return [...(this.#runtime().host(host)?.modules.keys() ?? [])];
  }

  /** Serialises operations per (host, module), so a load racing an unload sees a settled state. */
  #exclusive<T>(host: string, name: string, task: () => Promise<T>): Promise<T> {
    const key = `${host}\u0000${name}`;
    const previous = this.#busy.get(key) ?? Promise.resolve();
    const run = previous.then(task, task);
    const settled = run.then(
      () => undefined,
      () => undefined,
    );
    this.#busy.set(key, settled);
    void settled.then(() => {
      if (this.#busy.get(key) === settled) this.#busy.delete(key);
    });
    return run;
  }

  /** Loads `name` on `host` (`*` for global) and returns the module (its host instance when shared). */
  load(host: string, name: string): Promise<Module> {
    if (!host || !name)
      return Promise.reject(
        new ModuleError("insufficient-parameters", "load needs a host and a module name"),
      );
    return this.#exclusive(host, name, () => this.#load(host, name, {}));
  }

  async #load(hostName: string, name: string, options: LoadOptions): Promise<Module> {
    const runtime = this.#runtime();
    const host = this.#host(hostName);
    if (host.modules.has(name)) {
      throw new ModuleError("module-already-loaded", `module ${name} is already loaded on ${hostName}`, {
        module: name,
        host: hostName,
      });
    }
    const globalInstance = runtime.global.modules.get(name);
    if (globalInstance !== undefined && !host.isGlobal) {
      if (globalInstance.addHost === undefined) {
        throw new ModuleError(
          "global-module-already-loaded",
          `module ${name} is loaded globally and is not shared`,
          {
            module: name,
            host: hostName,
          },
        );
      }
      return this.#addHostInstance(globalInstance, host);
    }

    const source = options.source ?? (await this.#resolveForLoad(name, hostName));
    const module = new Module(runtime, source, hostName);
    module.reloading = options.reloading ?? false;
    module.savedState = options.savedState;
    host.modules.set(name, module);
    try {
      module.exports = await source.setup(module);
      if (module.load !== undefined) await module.load();
    } catch (error) {
      this.#rollback(module, host);
      module.log("error", "Error initializing module '%s' on '%s': %s", name, hostName, error);
      throw new ModuleError(
        "module-load-failed",
        `module ${name} failed to load on ${hostName}: ${describe(error)}`,
        {
          module: name,
          host: hostName,
          cause: error,
        },
      );
    }
    module.reloading = false;
    module.savedState = undefined;

    let result = module;
    if (module.host === GLOBAL_HOST && !host.isGlobal) {
      // setGlobal() was called: the module lives in `*`, and a shared module gets a host instance.
      host.modules.delete(name);
      if (runtime.global.modules.has(name)) {
        this.#rollback(module, runtime.global);
        throw new ModuleError("global-module-already-loaded", `module ${name} is already loaded globally`, {
          module: name,
        });
      }
      runtime.global.modules.set(name, module);
      this.#finishLoad(module, runtime.global);
      if (module.addHost !== undefined) result = await this.#addHostInstance(module, host);
      return result;
    }
    this.#finishLoad(module, host);
    return result;
  }

  async #resolveForLoad(name: string, hostName: string): Promise<ModuleSource> {
    try {
      return await this.#options.resolve(name, false);
    } catch (error) {
      if (error instanceof ModuleError) {
        throw new ModuleError(error.code, error.message, {
          module: name,
          host: hostName,
          cause: error.cause,
        });
      }
      throw error;
    }
  }

  #finishLoad(module: Module, host: Host): void {
    module.loaded = true;
    const ready = module.ready;
    if (ready !== undefined) module.onReady(() => ready.call(module));
    module.setStatus("core", "Loaded", false);
    host.events.fire("module-loaded", { module: module.name, host: host.name });
  }

  async #addHostInstance(shared: Module, host: Host): Promise<Module> {
    const runtime = this.#runtime();
    const instance = new Module(runtime, shared.source, host.name, shared);
    instance.exports = shared.exports;
    host.modules.set(shared.name, instance);
    let accepted: unknown;
    try {
      accepted = await shared.addHost!.call(shared, instance);
    } catch (error) {
      this.#rollback(instance, host);
      throw new ModuleError(
        "module-load-failed",
        `module ${shared.name} refused host ${host.name}: ${describe(error)}`,
        {
          module: shared.name,
          host: host.name,
          cause: error,
        },
      );
    }
    if (accepted === false) {
      this.#rollback(instance, host);
      throw new ModuleError("module-load-failed", `module ${shared.name} refused host ${host.name}`, {
        module: shared.name,
        host: host.name,
      });
    }
    this.#finishLoad(instance, host);
    return instance;
  }

  #rollback(module: Module, host: Host): void {
    module.cleanUp("module failed to load");
    module.loaded = false;
    if (host.modules.get(module.name) === module) host.modules.delete(module.name);
  }

  /** Unloads `name` from `host`: its `unload`, then every hook, item, timer and pending IQ it had. */
  async unload(host: string, name: string): Promise<void> {
    await this.#exclusive(host, name, () => this.#unload(host, name, false));
  }

  async #unload(hostName: string, name: string, reloading: boolean): Promise<Module> {
    const host = this.#host(hostName);
    const module = host.modules.get(name);
    if (module === undefined) {
      throw new ModuleError("module-not-loaded", `module ${name} is not loaded on ${hostName}`, {
        module: name,
        host: hostName,
      });
    }
    if (host.isGlobal && module.addHost !== undefined) {
      for (const other of this.#runtime().hosts()) {
        if (other.modules.get(name)?.parent === module) await this.#unload(other.name, name, reloading);
      }
    }
    if (module.unload !== undefined) {
      try {
        await module.unload();
      } catch (error) {
        module.log("warn", "Non-fatal error unloading module '%s' on '%s': %s", name, hostName, error);
      }
    }
    module.cleanUp("module unloaded");
    module.loaded = false;
    host.modules.delete(name);
    // A reload announces itself once, as module-reloaded, so dependents reload instead of unloading.
    if (!reloading) host.events.fire("module-unloaded", { module: name, host: hostName });
    return module;
  }

  /**
   * Reloads `name` on `host`, carrying state from `save` to `restore`. New code that fails to
   * import leaves the module untouched; new code that fails to load is replaced by the old again.
   */
  reload(host: string, name: string): Promise<Module> {
    return this.#exclusive(host, name, () => this.#reload(host, name));
  }

  async #reload(hostName: string, name: string): Promise<Module> {
    const host = this.#host(hostName);
    const old = host.modules.get(name);
    if (old === undefined) {
      throw new ModuleError("module-not-loaded", `module ${name} is not loaded on ${hostName}`, {
        module: name,
        host: hostName,
      });
    }
    if (old.parent !== undefined) return this.#reload(GLOBAL_HOST, name);
    const source = await this.#options.resolve(name, true);
    let saved: unknown;
    if (old.save !== undefined) {
      try {
        saved = await old.save();
      } catch (error) {
        throw new ModuleError(
          "save-state-failed",
          `module ${name} could not save its state: ${describe(error)}`,
          {
            module: name,
            host: hostName,
            cause: error,
          },
        );
      }
    }
    const sharedHosts = host.isGlobal && old.addHost !== undefined ? this.#hostsOf(old) : [];
    await this.#unload(hostName, name, true);
    let fresh: Module;
    try {
      fresh = await this.#load(hostName, name, { source, savedState: saved, reloading: true });
    } catch (error) {
      old.log(
        "error",
        "Reload of '%s' on '%s' failed; restoring the running version: %s",
        name,
        hostName,
        error,
      );
      const restored = await this.#load(hostName, name, {
        source: old.source,
        savedState: saved,
        reloading: true,
      });
      await restored.restore?.(saved ?? {});
      for (const other of sharedHosts) await this.#load(other, name, {});
      throw error;
    }
    if (fresh.restore !== undefined) await fresh.restore(saved ?? {});
    for (const other of sharedHosts) await this.#load(other, name, {});
    host.events.fire("module-reloaded", { module: name, host: hostName });
    return fresh;
  }

  #hostsOf(shared: Module): string[] {
    const names: string[] = [];
    for (const host of this.#runtime().hosts()) {
      if (host.modules.get(shared.name)?.parent === shared) names.push(host.name);
    }
    return names;
  }

  /** @internal `module.depends(name, soft)`. */
  async depend(module: Module, name: string, soft: boolean): Promise<unknown> {
    const disabled = module.getOptionInheritedSet<string>("modules_disabled", []);
    if (disabled.has(name)) {
      if (soft) return undefined;
      throw new ModuleError(
        "module-disabled",
        `module ${module.name} depends on ${name}, which is disabled`,
        {
          module: module.name,
          host: module.host,
        },
      );
    }
    const runtime = this.#runtime();
    let dependency = runtime.host(module.host)?.modules.get(name) ?? runtime.global.modules.get(name);
    if (dependency?.global && dependency.addHost !== undefined && module.host !== GLOBAL_HOST) {
      dependency = runtime.host(module.host)?.modules.get(name) ?? (await this.load(module.host, name));
    }
    if (dependency === undefined) {
      try {
        dependency = await this.load(module.host, name);
      } catch (error) {
        throw new ModuleError(
          "dependency-failed",
          `module ${module.name} could not load its dependency ${name}: ${describe(error)}`,
          {
            module: module.name,
            host: module.host,
            cause: error,
          },
        );
      }
    }
    module.dependencies.add(name);
    module.watchDependencies();
    return dependency.exports;
  }

  /** @internal A dependency reloaded or unloaded: do the same to `module`, after the current event. */
  cascade(module: Module, kind: "reload" | "unload"): void {
    setImmediate(() => {
      if (!module.loaded) return;
      const operation =
        kind === "reload" ? this.reload(module.host, module.name) : this.unload(module.host, module.name);
      operation.catch((error: unknown) =>
        module.log("error", "Could not %s '%s' after its dependency: %s", kind, module.name, error),
      );
    });
  }

  /**
   * The modules `host` loads: the autoload set plus global `modules_enabled` less global
   * `modules_disabled` (only the component set on a Component), then the host's own lists.
   */
  modulesForHost(hostName: string): string[] {
    const runtime = this.#runtime();
    const config = runtime.config;
    const type = runtime.host(hostName)?.type ?? config.hostType(hostName);
    const list = (section: string, option: string): string[] => {
      const value = config.get(section, option);
      if (!Array.isArray(value)) return [];
      return value.filter((v): v is string => typeof v === "string");
    };
    const own = (option: string): string[] =>
      config.lookupSection(hostName, option) === hostName ? list(hostName, option) : [];

    const names = new Set<string>(this.#options.autoload ?? []);
    for (const name of list(GLOBAL_HOST, "modules_enabled")) names.add(name);
    for (const name of list(GLOBAL_HOST, "modules_disabled")) names.delete(name);
    if (type === "component") {
      const keep = new Set(this.#options.componentModules ?? COMPONENT_MODULES);
      for (const name of names) if (!keep.has(name)) names.delete(name);
    }
    for (const name of own("modules_enabled")) names.add(name);
    for (const name of own("modules_disabled")) names.delete(name);
    const component = runtime.host(hostName)?.componentModule;
    const ordered = [...names].filter((name) => name !== component);
    const all = component === undefined ? ordered : [component, ...ordered];
    const adjust = this.#options.hostModules;
    return adjust === undefined ? all : [...new Set(adjust(hostName, type, all))];
  }

  /**
   * Loads every module `host` should have; failures are logged and do not stop the others. An
   * optional module (see {@link ModuleManagerOptions.optional}) that is not found is `skipped`.
   */
  async loadModulesForHost(
    hostName: string,
  ): Promise<{ loaded: string[]; failed: { name: string; error: unknown }[]; skipped: string[] }> {
    const loaded: string[] = [];
    const failed: { name: string; error: unknown }[] = [];
    const skipped: string[] = [];
    const global = this.#runtime().global;
    for (const name of this.modulesForHost(hostName)) {
      if (this.isLoaded(hostName, name)) continue;
      // A global module that is not shared serves every host already, as in Prosody.
      const globalInstance = global.modules.get(name);
      if (globalInstance !== undefined && globalInstance.addHost === undefined) continue;
      try {
        await this.load(hostName, name);
        loaded.push(name);
      } catch (error) {
        if (
          error instanceof ModuleError &&
          error.code === "module-not-found" &&
          this.#options.optional?.(name) === true
        ) {
          skipped.push(name);
          continue;
        }
        failed.push({ name, error });
        this.#runtime().logger.error(
          { host: hostName, module: name, err: error },
          `Failed to load module ${name} on ${hostName}`,
        );
      }
    }
    return { loaded, failed, skipped };
  }

  /** Unloads every module of `host`, newest first. */
  async unloadAll(hostName: string): Promise<void> {
    const host = this.#runtime().host(hostName);
    if (host === undefined) return;
    for (const name of [...host.modules.keys()].reverse()) {
      if (!host.modules.has(name)) continue;
      try {
        await this.unload(hostName, name);
      } catch (error) {
        this.#runtime().logger.warn(
          { host: hostName, module: name, err: error },
          `Failed to unload module ${name}`,
        );
      }
    }
  }
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
