import { resolve as resolvePath } from "node:path";
import { type Authz, createAuthz } from "@canto/authz";
import type { Config } from "@canto/config";
import { Cron, createScheduler, type Scheduler, type TaskSpec } from "@canto/cron";
import type { Logger as CantoLogger, Disposer, Handler, LogFn } from "@canto/events";
import { createMetrics, type Metrics } from "@canto/metrics";
import type { Element } from "@canto/stanza";
import { createMemoryDriver, StorageManager } from "@canto/storage";
import pino, { type Logger } from "pino";
import { CronStoreAdapter } from "./cron-store.js";
import { ModuleError } from "./errors.js";
import { GLOBAL_HOST, Host, type HostType } from "./host.js";
import { metricsPrefix } from "./metrics-prefix.js";
import type { ItemEvent, ModuleSetup } from "./module.js";
import { ModuleManager, type ModuleManagerOptions } from "./module-manager.js";
import {
  builtinResolver,
  chainResolvers,
  type ModuleResolver,
  npmResolver,
  pluginPathResolver,
} from "./resolve.js";
import { installCoreHandlers } from "./router/core-handlers.js";
import { Router } from "./router/router.js";
import type { Session } from "./router/session.js";
import { type ConflictPolicy, SessionManager } from "./router/session-manager.js";
import { SessionRegistry } from "./router/sessions.js";
import type { Runtime } from "./runtime.js";
import { SharedRegistry } from "./shared.js";

export interface ServerOptions {
  config: Config;
  /** Modules given in code, found first by name (the standard set of `@canto/modules`). */
  modules?: Readonly<Record<string, ModuleSetup>>;
  /** More places to find modules, tried after `modules`, `plugin_paths` and npm. */
  resolvers?: readonly ModuleResolver[];
  /** Modules every host loads before `modules_enabled`. Default: none. */
  autoload?: readonly string[];
  /** Rewrites the list each host loads (see `ModuleManagerOptions.hostModules`). */
  hostModules?: ModuleManagerOptions["hostModules"];
  /** Modules whose absence is a skip, not a failure (see `ModuleManagerOptions.optional`). */
  optionalModules?: ModuleManagerOptions["optional"];
  /** Default: pino at the `log_level` option (or `info`). */
  logger?: Logger;
  /** Default: a scheduler on the real clock. */
  scheduler?: Scheduler;
  /** Default: a manager with only the `memory` driver. */
  storage?: StorageManager;
  /** Default: metrics through the global OpenTelemetry provider (no-ops without an SDK). */
  metrics?: Metrics;
  /** Default: roles from the configuration, stored roles in each host's `account_roles` store. */
  authz?: Authz;
  /** Whether cron tasks coordinate through leases (several processes on one store). Default false. */
  cronLeases?: boolean;
}

interface HostServices {
  cron: Cron;
  dispose: Disposer[];
}

/**
 * A server object: hosts, modules, router and the services they share. Every service is injected
 * by name with an in-memory default, so tests can build one in a line and swap any part.
 */
export class Server implements Runtime {
  readonly config: Config;
  readonly logger: Logger;
  readonly scheduler: Scheduler;
  readonly storage: StorageManager;
  readonly metrics: Metrics;
  readonly authz: Authz;
  readonly shared = new SharedRegistry();
  readonly manager: ModuleManager;
  readonly sessions = new SessionRegistry();
  readonly sessionManager: SessionManager;
  readonly router: Router;
  readonly global = new Host(GLOBAL_HOST, undefined);
  /** Modules that failed to load while hosts were activated (each is also logged). */
  readonly loadFailures: { host: string; module: string; error: unknown }[] = [];
  /** Optional modules that were not found while hosts were activated, so not loaded. */
  readonly skippedModules: { host: string; module: string }[] = [];

  readonly #hosts = new Map<string, Host>([[GLOBAL_HOST, this.global]]);
  readonly #hostSessions = new Map<string, Session>();
  readonly #services = new Map<string, HostServices>();
  readonly #readyQueue: (() => unknown)[] = [];
  readonly #cronLeases: boolean;
  #started = false;
  #stopping = false;
  #startedAt: number | undefined;

  constructor(options: ServerOptions) {
    this.config = options.config;
    this.logger =
      options.logger ?? pino({ level: stringOption(this.config.get(GLOBAL_HOST, "log_level")) ?? "info" });
    this.scheduler = options.scheduler ?? createScheduler({ logger: pinoAdapter(this.logger) });
    this.storage =
      options.storage ??
      new StorageManager({ drivers: { memory: createMemoryDriver() }, defaultStorage: "memory" });
    this.metrics =
      options.metrics ?? createMetrics({ logger: this.logger, prefix: metricsPrefix(this.config) });
    this.authz =
      options.authz ??
      createAuthz({
        config: { get: (host, name) => this.config.get(host, name) },
        hostType: (host) => this.#hosts.get(host)?.type,
        roleStore: {
          get: async (username, host) => {
            const stored = await (await this.storage.open(host, "account_roles")).get(username);
            return typeof stored === "string" ? stored : undefined;
          },
          set: async (username, host, role) => {
            await (await this.storage.open(host, "account_roles")).set(username, role);
          },
          list: async (host) => {
            const store = await this.storage.open(host, "account_roles");
            const roles: [string, string][] = [];
            for await (const username of store.users()) {
              const stored = await store.get(username);
              if (typeof stored === "string") roles.push([username, stored]);
            }
            return roles;
          },
        },
        logger: pinoAdapter(this.logger.child({ module: "authz" })),
      });
    this.#cronLeases = options.cronLeases ?? false;
    const pluginPaths = this.config.get(GLOBAL_HOST, "plugin_paths");
    const directories = Array.isArray(pluginPaths)
      ? pluginPaths.filter((p): p is string => typeof p === "string")
      : [];
    this.manager = new ModuleManager(() => this, {
      resolve: chainResolvers([
        builtinResolver(options.modules ?? {}),
        pluginPathResolver(directories.map((d) => resolvePath(this.config.paths.config, d))),
        npmResolver(process.cwd()),
        ...(options.resolvers ?? []),
      ]),
      autoload: options.autoload ?? [],
      ...(options.hostModules && { hostModules: options.hostModules }),
      ...(options.optionalModules && { optional: options.optionalModules }),
    });
    this.sessionManager = new SessionManager({
      host: (name) => this.host(name),
      sessions: this.sessions,
      reportError: (event, error) => this.logger.error({ err: error, event }, `a ${event} handler failed`),
      conflictPolicy: (host) => {
        const value = this.config.get(host, "on_conflict");
        return value === "kick_new" || value === "increment" || value === "random"
          ? (value as ConflictPolicy)
          : "kick_old";
      },
    });
    this.router = new Router({
      host: (name) => this.host(name),
      sessions: this.sessions,
      logger: this.logger,
      endSession: (session, condition, text) => this.sessionManager.destroy(session, condition, text),
    });
  }

  host(name: string): Host | undefined {
    const host = this.#hosts.get(name);
    return host?.active || host === this.global ? host : undefined;
  }

  *hosts(): IterableIterator<Host> {
    for (const host of this.#hosts.values()) if (host !== this.global && host.active) yield host;
  }

  get started(): boolean {
    return this.#started;
  }

  /** When `start()` finished, in seconds since the epoch; `undefined` before. */
  get startedAt(): number | undefined {
    return this.#startedAt;
  }

  /** Activates every configured host, loads their modules, then fires `server-started`. */
  async start(): Promise<void> {
    if (this.#started) return;
    this.global.active = true;
    this.global.events.fire("server-starting", undefined);
    for (const info of this.config.hosts()) {
      const component =
        info.type === "component" ? stringOption(this.config.get(info.name, "component_module")) : undefined;
      await this.activateHost(info.name, info.type as HostType, component);
    }
    this.global.events.fire("hosts-activated", undefined);
    this.#started = true;
    this.#startedAt = Date.now() / 1000;
    this.global.events.fire("server-started", undefined);
    for (const fn of this.#readyQueue.splice(0)) setImmediate(() => this.#runReady(fn));
  }

  #runReady(fn: () => unknown): void {
    try {
      const result = fn();
      if (result instanceof Promise)
        result.catch((error: unknown) => this.logger.error({ err: error }, "ready callback failed"));
    } catch (error) {
      this.logger.error({ err: error }, "ready callback failed");
    }
  }

  onReady(fn: () => unknown): void {
    if (this.#started) setImmediate(() => this.#runReady(fn));
    else this.#readyQueue.push(fn);
  }

  /** Creates and activates a host, then loads its modules. */
  async activateHost(name: string, type: HostType = "local", componentModule?: string): Promise<Host> {
    if (name === GLOBAL_HOST)
      throw new ModuleError("invalid-argument", "`*` is the global context, not a host");
    let host = this.#hosts.get(name);
    if (host?.active) return host;
    host = new Host(name, type, componentModule);
    this.#hosts.set(name, host);
    host.active = true;
    const dispose: Disposer[] = [installCoreHandlers(host, this.sessions)];
    const cron = this.#createCron(host);
    dispose.push(this.#watchTasks(host, cron));
    this.#services.set(name, { cron, dispose });
    this.global.events.fire("host-activated", name);
    await this.#preloadRoles(name);
    const { failed, skipped } = await this.manager.loadModulesForHost(name);
    for (const { name: module, error } of failed) this.loadFailures.push({ host: name, module, error });
    for (const module of skipped) this.skippedModules.push({ host: name, module });
    return host;
  }

  /**
   * Reads the host's stored roles before its modules load, so `module.may(action, jid)` answers
   * synchronously for any account, as in Prosody. A failure leaves checks lazy (they then wait).
   */
  async #preloadRoles(host: string): Promise<void> {
    try {
      await this.authz.host(host).preloadRoles();
    } catch (error) {
      this.logger.warn(
        { err: error, host },
        "could not read the stored roles; role checks will wait for storage",
      );
    }
  }

  #createCron(host: Host): Cron {
    return new Cron({
      scheduler: this.scheduler,
      store: new CronStoreAdapter(() => this.storage.open(host.name, "cron", "map")),
      logger: pinoAdapter(this.logger.child({ host: host.name, module: "cron" })),
      periodOption: (option) => this.config.get(host.name, option),
      lease: this.#cronLeases ? {} : false,
    });
  }

  /** Cron tasks are items named `task`: each added item becomes a task, each removed one stops. */
  #watchTasks(host: Host, cron: Cron): Disposer {
    const tasks = new Map<TaskSpec, ReturnType<Cron["add"]>>();
    const added = (event: ItemEvent<TaskSpec>) => {
      if (tasks.has(event.item)) return;
      tasks.set(event.item, cron.add(event.item, event.source.name));
    };
    const removed = (event: ItemEvent<TaskSpec>) => {
      const task = tasks.get(event.item);
      if (task === undefined) return;
      tasks.delete(event.item);
      cron.remove(task);
    };
    host.events.hook("item-added/task", added as Handler);
    host.events.hook("item-removed/task", removed as Handler);
    for (const module of [...this.global.modules.values(), ...host.modules.values()]) {
      for (const item of module.items.get("task")) added({ source: module, item: item as TaskSpec });
    }
    return () => {
      host.events.unhook("item-added/task", added as Handler);
      host.events.unhook("item-removed/task", removed as Handler);
    };
  }

  /** The cron of a host: its tasks, for status pages and tests. */
  cronOf(host: string): Cron | undefined {
    return this.#services.get(host)?.cron;
  }

  /** Unloads a host's modules and deactivates it. */
  async deactivateHost(name: string, reason = "host deactivated"): Promise<void> {
    const host = this.#hosts.get(name);
    if (host === undefined || !host.active || host === this.global) return;
    this.global.events.fire("host-deactivating", { host: name, reason });
    await this.manager.unloadAll(name);
    const services = this.#services.get(name);
    if (services !== undefined) {
      for (const dispose of services.dispose) dispose();
      await services.cron.dispose();
      this.#services.delete(name);
    }
    for (const session of [...this.sessions.all()]) if (session.host === name) this.sessions.unbind(session);
    host.active = false;
    this.#hosts.delete(name);
    this.#hostSessions.delete(name);
    this.global.events.fire("host-deactivated", name);
  }

  /** Unloads every module, deactivates every host, closes every store and stops every timer. */
  async stop(reason = "server stopping"): Promise<void> {
    if (this.#stopping) return;
    this.#stopping = true;
    this.global.events.fire("server-stopping", { reason });
    for (const host of [...this.hosts()].reverse()) await this.deactivateHost(host.name, reason);
    await this.manager.unloadAll(GLOBAL_HOST);
    this.global.events.fire("server-stopped", undefined);
    await this.storage.close();
    this.scheduler.dispose();
    this.#started = false;
  }

  /** Routes a stanza a module sends (Prosody's `core_post_stanza`). */
  post(origin: Session, stanza: Element): unknown {
    return this.router.post(origin, stanza);
  }

  /** Handles a stanza a session received: ordering, validation, `pre-stanza`, routing. */
  process(origin: Session, stanza: Element): void | Promise<void> {
    return this.router.process(origin, stanza);
  }

  hostSession(host: string): Session {
    let session = this.#hostSessions.get(host);
    if (session === undefined) {
      const created: Session = {
        type: "local",
        host,
        send: (stanza: Element) => this.router.post(created, stanza),
      };
      session = created;
      this.#hostSessions.set(host, session);
    }
    return session;
  }
}

function stringOption(value: unknown): string | undefined {
  return typeof value === "string" ? value : undefined;
}

/** The packages' one logger shape (@canto/events' `Logger`) on pino, whose methods need their `this`. */
function pinoAdapter(logger: Logger): CantoLogger {
  const bind =
    (level: "debug" | "info" | "warn" | "error"): LogFn =>
    (...args: [first: object | string, msg?: string]) => {
      (logger[level] as (...a: unknown[]) => void)(...args);
    };
  return { debug: bind("debug"), info: bind("info"), warn: bind("warn"), error: bind("error") };
}
