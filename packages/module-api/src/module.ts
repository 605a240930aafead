import { readFile } from "node:fs/promises";
import { dirname, isAbsolute, resolve } from "node:path";
import { type ActorContext, expandAction, type ModuleAuthz } from "@canto/authz";
import type { OptionReader, OptionValue } from "@canto/config";
import type { Task, TaskRun, TaskSpec, Timer, TimerCallback, TimerScope } from "@canto/cron";
import { daily, hourly, slugify, weekly } from "@canto/cron";
import type { Disposer, EventBus, EventName, Handler, Wrapper } from "@canto/events";
import type { MetricsScope } from "@canto/metrics";
import { format } from "@canto/printf";
import { clone, type Element, type StanzaError } from "@canto/stanza";
import type { StoreByType, StoreType } from "@canto/storage";
import type { Logger } from "pino";
import { ModuleError } from "./errors.js";
import { GLOBAL_HOST, type HostType } from "./host.js";
import { ItemArrays, providerName } from "./items.js";
import { childLogger, type LogLevel, log, logMessage } from "./log/logger.js";
import type { Session } from "./router/session.js";
import { tagEvent } from "./router/stanza-event.js";
import type { Runtime } from "./runtime.js";
import { sendIq, unloadedError } from "./send-iq.js";
import { sharedPath } from "./shared.js";
import { acceptsStatus, isStatusType, type ModuleStatus, type StatusType } from "./status.js";

/** Anything with Prosody's events shape: `hook`/`unhook` (Canto) or `add_handler`/`remove_handler`. */
export type EventsLike =
  | Pick<EventBus, "hook" | "unhook">
  | {
      add_handler(event: EventName, handler: Handler, priority?: number): unknown;
      remove_handler(event: EventName, handler: Handler): unknown;
    };

/** What `hookTag` handlers receive. */
export type TagHandler = (
  origin: Session,
  stanza: Element,
  event: { origin: Session; stanza: Element },
) => unknown;

/** The payload of `item-added/<name>` and `item-removed/<name>`. */
export interface ItemEvent<T = unknown> {
  source: Module;
  item: T;
}

/** Where a module came from, as the module manager found it. */
export interface ModuleSource {
  name: string;
  setup: ModuleSetup;
  /** The file the module was loaded from, when it has one. */
  file?: string;
}

/** The body of a module: the default export of its ES module. May be async; what it returns is its API. */
export type ModuleSetup = (module: Module) => unknown;

/** Lifecycle callbacks a module may set on its `Module` object, as Prosody modules do. */
export interface ModuleLifecycle {
  /** Called after the body ran. */
  load?: () => unknown;
  /** Called first on unload; errors are logged and do not stop the unload. */
  unload?: () => unknown;
  /** Called before a reload; its value is given to `restore` of the new instance. */
  save?: () => unknown;
  /** Called after a reload with what `save` returned (or `{}`). */
  restore?: (state: unknown) => unknown;
  /** Makes the module shared: loaded once globally and given a host instance per host. */
  addHost?: (module: Module) => unknown;
  /** Called once after the server has started. */
  ready?: () => unknown;
}

const MAX_IQ_IN_FLIGHT = 256;

/**
 * The module API: what a module's setup function receives. Every method of Prosody's module
 * reference, in camelCase with its argument order; registrations are remembered so that unload
 * (or a failed load) removes them without anyone calling their disposers.
 */
export class Module implements ModuleLifecycle {
  /** The host this module is loaded on; `*` for a global module. */
  host: string;
  readonly name: string;
  /** Whether the module is loaded; false once unloaded. */
  loaded = false;
  /** True while the body runs as part of a reload. */
  reloading = false;
  /** During a reload: what the previous instance's `save` returned. */
  savedState: unknown;
  /** The module's API (what its setup returned), what `depends` hands to dependents. */
  exports: unknown;
  /** For a host instance of a shared module: the global instance. */
  readonly parent: Module | undefined;

  load?: () => unknown;
  unload?: () => unknown;
  save?: () => unknown;
  restore?: (state: unknown) => unknown;
  addHost?: (module: Module) => unknown;
  ready?: () => unknown;

  /** @internal */ readonly runtime: Runtime;
  /** @internal */ readonly source: ModuleSource;
  /** @internal Undone in reverse order on unload or failed load. */
  readonly disposers: Disposer[] = [];
  /** @internal */ readonly items = new ItemArrays();
  /** @internal Modules this one depends on, by name. */
  readonly dependencies = new Set<string>();
  /** @internal Pending `sendIq` requests, oldest first, so the 257th rejects the oldest. */
  readonly pendingIqs = new Map<string, (reason: StanzaError) => void>();

  #logger: Logger;
  #status: ModuleStatus | undefined;
  #options: OptionReader | undefined;
  #authz: ModuleAuthz | undefined;
  #timers: TimerScope | undefined;
  #metrics: MetricsScope | undefined;
  #sharedRefs = new Set<object>();
  #hookedHandlers = new Map<EventName, Map<Handler, Disposer>>();
  #dependencyWatch = false;
  #contexts = new Map<string, Module>();

  constructor(runtime: Runtime, source: ModuleSource, host: string, parent?: Module) {
    this.runtime = runtime;
    this.source = source;
    this.name = source.name;
    this.host = host;
    this.parent = parent;
    this.#logger = childLogger(runtime.logger, { host, module: source.name });
  }

  /** The server's services: sessions, session manager, hosts, config, storage, router. */
  get server(): Runtime {
    return this.runtime;
  }

  // ---- Identity ----------------------------------------------------------------------------

  getName(): string {
    return this.name;
  }

  getHost(): string {
    return this.host;
  }

  /** `local` or `component`; `undefined` for a global module (as the reference says). */
  getHostType(): HostType | undefined {
    if (this.host === GLOBAL_HOST) return undefined;
    return this.runtime.host(this.host)?.type ?? "local";
  }

  /** Whether this is the global instance of a module (after `setGlobal`). */
  get global(): boolean {
    return this.host === GLOBAL_HOST;
  }

  /** Makes the module global: it leaves its host for `*` once its body has run. */
  setGlobal(): void {
    if (this.host === GLOBAL_HOST) return;
    if (this.loaded || this.disposers.length > 0) {
      this.log(
        "warn",
        "setGlobal() called after the module registered things on %s; call it first",
        this.host,
      );
    }
    this.host = GLOBAL_HOST;
    this.#logger = childLogger(this.runtime.logger, { host: GLOBAL_HOST, module: this.name });
    this.#options = undefined;
    this.#authz = undefined;
    this.#metrics = undefined;
  }

  /** The directory of the module's file, or the working directory for a module with no file. */
  getDirectory(): string {
    return this.source.file === undefined ? process.cwd() : dirname(this.source.file);
  }

  /**
   * Reads a file that ships with the module; a relative path is taken from the module's directory.
   * `mode` is an encoding (`"utf8"`, the default) or `"binary"` for a Buffer.
   */
  loadResource(path: string, mode: BufferEncoding | "binary" = "utf8"): Promise<string | Buffer> {
    const file = isAbsolute(path) ? path : resolve(this.getDirectory(), path);
    return mode === "binary" ? readFile(file) : readFile(file, mode);
  }

  // ---- Logging and status ------------------------------------------------------------------

  /** Logs with Prosody's safe printf (`%s`, `%d`, ...; a missing argument prints `(nil)`). */
  log(level: LogLevel | (string & {}), fmt: unknown, ...args: unknown[]): void {
    log(this.#logger, level, fmt, ...args);
  }

  /** The pino logger bound to this module and host. */
  get logger(): Logger {
    return this.#logger;
  }

  /**
   * Sets the module's status. A lower severity than the current status is ignored unless `override`
   * is true. Fires `module-status/updated` with `{ name }` on the module's host when accepted.
   */
  setStatus(type: StatusType, message: string, override = false): boolean {
    if (!isStatusType(type)) {
      throw new ModuleError("invalid-argument", `unknown status type ${JSON.stringify(type)}`, {
        module: this.name,
        host: this.host,
      });
    }
    if (!acceptsStatus(this.#status, type, override)) return false;
    this.#status = { type, message: String(message), time: Date.now() / 1000 };
    this.#bus().fire("module-status/updated", { name: this.name, host: this.host, status: this.#status });
    return true;
  }

  /** `log`, and the formatted message becomes the status (levels `info`, `warn`, `error`). */
  logStatus(level: "info" | "warn" | "error", fmt: unknown, ...args: unknown[]): void {
    const message = format(fmt, ...args);
    this.setStatus(level, message);
    logMessage(this.#logger, level, message);
  }

  getStatus(): ModuleStatus {
    return this.#status ? { ...this.#status } : { type: "core", message: "", time: 0 };
  }

  // ---- Configuration -----------------------------------------------------------------------

  /** The option reader for this module's host: `getOption*` delegate to it. */
  get options(): OptionReader {
    this.#options ??= this.runtime.config.options(this.host, {
      logger: {
        // The getters pass one preformatted string, never an object.
        warn: (message: object | string) => this.log("warn", "%s", message),
        error: (message: object | string) => this.log("error", "%s", message),
      },
      moduleDir: this.getDirectory(),
    });
    return this.#options;
  }

  getOption(name: string): OptionValue | undefined;
  getOption<T>(name: string, defaultValue: T): OptionValue | T;
  getOption(name: string, defaultValue?: unknown): unknown {
    return this.options.getOption(name, defaultValue);
  }
  getOptionString = delegate(this, "getOptionString");
  getOptionNumber = delegate(this, "getOptionNumber");
  getOptionInteger = delegate(this, "getOptionInteger");
  getOptionBoolean = delegate(this, "getOptionBoolean");
  getOptionArray = delegate(this, "getOptionArray");
  getOptionSet = delegate(this, "getOptionSet");
  getOptionInheritedSet = delegate(this, "getOptionInheritedSet");
  getOptionPath = delegate(this, "getOptionPath");
  getOptionEnum = delegate(this, "getOptionEnum");
  getOptionPeriod = delegate(this, "getOptionPeriod");

  // ---- Access checks -----------------------------------------------------------------------

  #access(): ModuleAuthz {
    this.#authz ??= this.runtime.authz.host(this.host).forModule(this.name);
    return this.#authz;
  }

  /**
   * Grants `action` to `role` unless configuration set a policy; `:action` means `<module>:action`.
   * From a global module the grant applies to every host, including hosts activated later.
   */
  defaultPermission(role: string, action: string): boolean {
    if (this.host === GLOBAL_HOST)
      return this.runtime.authz.defaultPermission(role, expandAction(this.name, action));
    return this.#access().defaultPermission(role, action);
  }

  defaultPermissions(role: string, actions: Iterable<string>): boolean {
    if (this.host === GLOBAL_HOST) {
      const expanded = Array.from(actions, (action) => expandAction(this.name, action));
      return this.runtime.authz.defaultPermissions(role, expanded);
    }
    return this.#access().defaultPermissions(role, actions);
  }

  /**
   * Whether the actor of `context` may perform `action`; a denial is logged at warn. Synchronous, as
   * in Prosody: sessions carry their role, admins and remote JIDs come from configuration, and the
   * server reads each host's stored roles when it activates the host, so a JID of any account is
   * answered at once. (Only a store that cannot list its roles leaves `role-not-loaded`.)
   */
  may(action: string, context: ActorContext): boolean {
    return this.#access().may(action, context);
  }

  /** Like `may`, for speculative checks: a denial is logged at debug. */
  could(action: string, context: ActorContext): boolean {
    return this.#access().could(action, context);
  }

  /** `may`, waiting for a stored role when the actor's role is not cached yet. */
  mayAsync(action: string, context: ActorContext): Promise<boolean> {
    return this.#access().mayAsync(action, context);
  }

  /** `could`, waiting for a stored role when the actor's role is not cached yet. */
  couldAsync(action: string, context: ActorContext): Promise<boolean> {
    return this.#access().couldAsync(action, context);
  }

  // ---- Events ------------------------------------------------------------------------------

  #bus(): EventBus {
    return (this.runtime.host(this.host) ?? this.runtime.global).events;
  }

  /** Fires an event on the module's host (the global bus for a global module). */
  fireEvent(event: EventName, data?: unknown): unknown {
    return this.#bus().fire(event, data);
  }

  /** Hooks an event on the module's host; removed on unload. */
  hook<T = unknown>(event: EventName, handler: (data: T) => unknown, priority = 0): Disposer {
    return this.hookObjectEvent(this.#bus(), event, handler, priority);
  }

  /** Hooks a global (server-wide) event; for a global module the same as `hook`. */
  hookGlobal<T = unknown>(event: EventName, handler: (data: T) => unknown, priority = 0): Disposer {
    return this.hookObjectEvent(this.runtime.global.events, event, handler, priority);
  }

  /** Hooks an event of any events object; removed on unload. */
  hookObjectEvent<T = unknown>(
    object: EventsLike,
    event: EventName,
    handler: (data: T) => unknown,
    priority = 0,
  ): Disposer {
    if (typeof handler !== "function") {
      throw new ModuleError("invalid-argument", `hook ${String(event)}: handler must be a function`, {
        module: this.name,
        host: this.host,
      });
    }
    const add = "hook" in object ? object.hook.bind(object) : object.add_handler.bind(object);
    const remove = "unhook" in object ? object.unhook.bind(object) : object.remove_handler.bind(object);
    add(event, handler as Handler, priority);
    let active = true;
    const dispose = () => {
      if (!active) return;
      active = false;
      remove(event, handler as Handler);
      const index = this.disposers.lastIndexOf(dispose);
      if (index >= 0) this.disposers.splice(index, 1);
    };
    this.disposers.push(dispose);
    this.#remember(event, handler as Handler, dispose);
    return dispose;
  }

  /**
   * Hooks a stream-level element by namespace and name (`stanza/<xmlns>:<name>`), as used for
   * stream features negotiation; the handler gets `(origin, stanza, event)`.
   */
  hookTag(xmlns: string | undefined, name: string, handler: TagHandler, priority = 0): Disposer {
    const event = tagEvent(xmlns, name);
    const wrapped = (data: { origin: Session; stanza: Element }) => handler(data.origin, data.stanza, data);
    const dispose = this.hook(event, wrapped, priority);
    this.#remember(event, handler as Handler, dispose);
    return dispose;
  }

  /** Removes a handler added by one of the hook methods on this module's host or globally. */
  unhook(event: EventName, handler: Handler): void {
    const byHandler = this.#hookedHandlers.get(event);
    const dispose = byHandler?.get(handler);
    if (dispose !== undefined) {
      dispose();
      byHandler!.delete(handler);
    } else {
      this.#bus().unhook(event, handler);
    }
  }

  // Remembers what `unhook(event, handler)` must undo, also for handlers hookTag wrapped.
  #remember(event: EventName, handler: Handler, dispose: Disposer): void {
    let byHandler = this.#hookedHandlers.get(event);
    if (byHandler === undefined) {
      byHandler = new Map();
      this.#hookedHandlers.set(event, byHandler);
    }
    byHandler.set(handler, dispose);
  }

  /** Wraps the dispatch of an event on the module's host; removed on unload. */
  wrapEvent(event: EventName, wrapper: Wrapper): Disposer {
    return this.#track(this.#bus().addWrapper(event, wrapper));
  }

  /** Wraps a global event; removed on unload. */
  wrapGlobal(event: EventName | undefined, wrapper: Wrapper): Disposer {
    return this.#track(this.runtime.global.events.addWrapper(event, wrapper));
  }

  #track(disposer: Disposer): Disposer {
    let active = true;
    const dispose = () => {
      if (!active) return;
      active = false;
      disposer();
      const index = this.disposers.lastIndexOf(dispose);
      if (index >= 0) this.disposers.splice(index, 1);
    };
    this.disposers.push(dispose);
    return dispose;
  }

  // ---- Communication -----------------------------------------------------------------------

  /** Sends a stanza from this host (or from `origin`), through the router. */
  send(stanza: Element, origin?: Session): unknown {
    return this.runtime.post(origin ?? this.#defaultOrigin(), stanza);
  }

  #defaultOrigin(): Session {
    if (this.host === GLOBAL_HOST) {
      throw new ModuleError("no-origin", `module ${this.name} is global: send() needs an origin`, {
        module: this.name,
      });
    }
    return this.runtime.hostSession(this.host);
  }

  /** Sends `stanza` to each JID (a copy each, `to` set). */
  broadcast(jids: Iterable<string>, stanza: Element, origin?: Session): void {
    for (const jid of jids) {
      const copy = clone(stanza);
      copy.attrs.to = jid;
      this.send(copy, origin);
    }
  }

  /**
   * Sends an IQ and resolves with the reply event, or rejects with a `StanzaError`: the error reply,
   * `remote-server-timeout` after `timeout` seconds (120 by default), `conflict` for an id already
   * in flight, `resource-constraint` for the oldest request once 256 are pending, and
   * `remote-server-timeout` with text "module unloaded" when the module goes away.
   */
  sendIq(stanza: Element, origin?: Session, timeout = 120): Promise<{ origin: Session; stanza: Element }> {
    return sendIq(this, stanza, origin ?? this.#defaultOrigin(), timeout, MAX_IQ_IN_FLIGHT);
  }

  // ---- Timers and cron ---------------------------------------------------------------------

  /** @internal The module's timers, stopped on unload. */
  get timers(): TimerScope {
    this.#timers ??= this.runtime.scheduler.scope(`${this.host}/${this.name}#${moduleInstanceId(this)}`);
    return this.#timers;
  }

  /** Calls `callback(now, ...args)` after `delay` seconds; a number returned re-arms it. */
  addTimer<A extends unknown[]>(delay: number, callback: TimerCallback<A>, ...args: A): Timer {
    return this.timers.addTimer(delay, callback, ...args);
  }

  /** A task that runs once per period, even across restarts (an item named `task`). */
  cron(spec: TaskSpec): TaskSpec {
    const task: TaskSpec = { ...spec, id: spec.id ?? `${this.name}/${slugify(spec.name ?? spec.when)}` };
    this.addItem("task", task);
    return task;
  }

  hourly(name: string | TaskRun, run?: TaskRun): TaskSpec {
    return this.cron(hourly(name, run));
  }

  daily(name: string | TaskRun, run?: TaskRun): TaskSpec {
    return this.cron(daily(name, run));
  }

  weekly(name: string | TaskRun, run?: TaskRun): TaskSpec {
    return this.cron(weekly(name, run));
  }

  // ---- Service discovery -------------------------------------------------------------------

  addFeature(variable: string): void {
    this.addItem("feature", variable);
  }

  addIdentity(category: string, type: string, name?: string, lang?: string): void {
    const identity: { category: string; type: string; name?: string; lang?: string } = { category, type };
    if (name !== undefined) identity.name = name;
    if (lang !== undefined) identity.lang = lang;
    this.addItem("identity", identity);
  }

  /** Adds a XEP-0128 extension: a `<x xmlns="jabber:x:data" type="result">` form element. */
  addExtension(form: Element): void {
    this.addItem("extension", form);
  }

  // ---- Items -------------------------------------------------------------------------------

  /** Publishes `item` in the host array `name` and fires `item-added/<name>`. */
  addItem<T>(name: string, item: T): T {
    this.items.add(name, item);
    this.#fireItem("item-added", name, item);
    return item;
  }

  /** Withdraws `item` from the array `name` and fires `item-removed/<name>`. */
  removeItem(name: string, item: unknown): boolean {
    if (!this.items.remove(name, item)) return false;
    this.#fireItem("item-removed", name, item);
    return true;
  }

  /** @internal Fires an item event where its watchers are: the host, or for a global module every host too. */
  fireItemEvent(kind: "item-added" | "item-removed", name: string, item: unknown): void {
    this.#fireItem(kind, name, item);
  }

  #fireItem(kind: "item-added" | "item-removed", name: string, item: unknown): void {
    const event: ItemEvent = { source: this, item };
    const key = `${kind}/${name}`;
    if (this.host !== GLOBAL_HOST) {
      this.#bus().fire(key, event);
      return;
    }
    // Global items count as every host's (getHostItems includes them), so every host hears of them.
    this.runtime.global.events.fire(key, event);
    for (const host of this.runtime.hosts()) host.events.fire(key, event);
  }

  /**
   * Calls `onAdd` for each item added to `name` (and, unless `handleExisting` is false, for those
   * already there), `onRemove` for each removed; both receive `{ source, item }`.
   */
  handleItems<T = unknown>(
    name: string,
    onAdd: (event: ItemEvent<T>) => unknown,
    onRemove?: (event: ItemEvent<T>) => unknown,
    handleExisting = true,
  ): void {
    this.hook(`item-added/${name}`, onAdd);
    if (onRemove !== undefined) this.hook(`item-removed/${name}`, onRemove);
    if (!handleExisting) return;
    for (const [source, item] of this.#hostItemSources(name)) onAdd({ source, item: item as T });
  }

  /** Every item of the array `name` on this host: its modules' and the global modules'. */
  getHostItems<T = unknown>(name: string): T[] {
    return this.#hostItemSources(name).map(([, item]) => item as T);
  }

  #hostItemSources(name: string): [Module, unknown][] {
    const found: [Module, unknown][] = [];
    const hosts =
      this.host === GLOBAL_HOST ? [this.runtime.global] : [this.runtime.global, this.runtime.host(this.host)];
    for (const host of hosts) {
      if (host === undefined) continue;
      for (const module of host.modules.values()) {
        for (const item of module.items.get(name)) found.push([module, item]);
      }
    }
    return found;
  }

  /**
   * Publishes `item` as a provider of `name` (array `<name>-provider`). Its `name` defaults to the
   * module name less a `<name>_` prefix (`auth_internal` → `internal`).
   */
  provides<T extends object>(name: string, item: T & { name?: string }): T & { name: string } {
    const provider = item as T & { name: string; providedBy?: string };
    if (provider.name === undefined) provider.name = providerName(name, this.name);
    provider.providedBy = this.name;
    this.addItem(`${name}-provider`, provider);
    return provider;
  }

  // ---- Storage -----------------------------------------------------------------------------

  /** Opens a store of this host: keyval by default, named after the module by default. */
  async openStore<T extends StoreType = "keyval">(store?: string, type?: T): Promise<StoreByType[T]> {
    if (this.host === GLOBAL_HOST) {
      throw new ModuleError(
        "global-storage-not-supported",
        `module ${this.name} is global and cannot open store ${store ?? this.name}; open it from a host instance`,
        { module: this.name },
      );
    }
    return this.runtime.storage.open(this.host, store ?? this.name, (type ?? "keyval") as T);
  }

  // ---- Metrics -----------------------------------------------------------------------------

  #metricsScope(): MetricsScope {
    this.#metrics ??= this.runtime.metrics.scope({ module: this.name, host: this.host });
    return this.#metrics;
  }

  /** Prosody's high-level metrics: `amount`, `counter`, `rate`, `times`, `sizes`, `distribution`. */
  measure: MetricsScope["measure"] = (name, type, conf) => this.#metricsScope().measure(name, type, conf);

  /** Declares a metric family named `canto_mod_<module>/<name>`, with a `host` label on a host. */
  metric: MetricsScope["metric"] = (type, name, unit, description, labels, extra) =>
    this.#metricsScope().metric(type, name, unit, description, labels, extra);

  // ---- Lifecycle helpers -------------------------------------------------------------------

  /**
   * Loads `name` on this host (or uses the loaded instance) and returns its API. When it reloads,
   * this module reloads; when it unloads, this module unloads. A disabled dependency throws, or
   * with `soft` returns `undefined`.
   */
  async depends(name: string, soft = false): Promise<unknown> {
    return this.runtime.manager.depend(this, name, soft);
  }

  /** @internal Hooks the host once so that a dependency's reload or unload cascades to this module. */
  watchDependencies(): void {
    if (this.#dependencyWatch) return;
    this.#dependencyWatch = true;
    const manager = this.runtime.manager;
    this.hook("module-reloaded", (event: { module: string; host: string }) => {
      if (this.dependencies.has(event.module) && !this.reloading) manager.cascade(this, "reload");
    });
    this.hook("module-unloaded", (event: { module: string; host: string }) => {
      if (this.dependencies.has(event.module)) manager.cascade(this, "unload");
    });
  }

  /** An object shared between modules by path, kept while any module references it. */
  shared<T extends object = Record<string, unknown>>(path: string): T {
    const object = this.runtime.shared.get<T>(sharedPath(path, this.host, this.name));
    this.#sharedRefs.add(object);
    return object;
  }

  /**
   * The same module acting on another host (`*` for global): hooks, items and timers made through
   * it act there, and are undone when this module unloads.
   */
  context(host?: string): Module {
    const target = host ?? GLOBAL_HOST;
    if (target === this.host) return this;
    let context = this.#contexts.get(target);
    if (context === undefined) {
      const created = new Module(this.runtime, this.source, target, this);
      created.loaded = this.loaded;
      created.exports = this.exports;
      this.#contexts.set(target, created);
      this.disposers.push(() => {
        created.cleanUp("module unloaded");
        created.loaded = false;
        this.#contexts.delete(target);
      });
      context = created;
    }
    return context;
  }

  /** Runs `fn` once the server has started. */
  onReady(fn: () => unknown): void {
    this.runtime.onReady(() => {
      if (this.loaded) return fn();
      return undefined;
    });
  }

  /** @internal Undoes everything the module registered: hooks, wrappers, items, timers, IQs. */
  cleanUp(reason: string): void {
    for (let dispose = this.disposers.pop(); dispose !== undefined; dispose = this.disposers.pop()) {
      try {
        dispose();
      } catch (error) {
        this.log("warn", "error while removing a registration of %s: %s", this.name, error);
      }
    }
    this.#hookedHandlers.clear();
    for (const [key, item] of this.items.drain()) this.#fireItem("item-removed", key, item);
    this.#timers?.dispose();
    this.#timers = undefined;
    const error = unloadedError(this.name, reason);
    for (const reject of [...this.pendingIqs.values()]) reject(error);
    this.pendingIqs.clear();
    this.#sharedRefs.clear();
  }
}

let instanceCounter = 0;
const instanceIds = new WeakMap<Module, number>();
function moduleInstanceId(module: Module): number {
  let id = instanceIds.get(module);
  if (id === undefined) {
    id = ++instanceCounter;
    instanceIds.set(module, id);
  }
  return id;
}

/** The typed getters of the module's option reader, each a method of the module. */
function delegate<K extends keyof OptionReader>(module: Module, key: K): OptionReader[K] {
  return ((...args: unknown[]) =>
    (module.options[key] as (...a: unknown[]) => unknown).apply(module.options, args)) as OptionReader[K];
}

export type { Task };
