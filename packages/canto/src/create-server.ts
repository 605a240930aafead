import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { type CantoConfig, type Config, createConfig, loadConfig } from "@canto/config";
import { type MetricsSetup, setupMetrics } from "@canto/metrics/sdk";
import { type ModuleSetup, metricsPrefix, Server, type ServerOptions } from "@canto/module-api";
import {
  createMemoryDriver,
  createSqliteDriver,
  prosodyStorage,
  type StorageDriver,
  StorageManager,
} from "@canto/storage";
import pino, { type Logger } from "pino";

export type CreateServerOptions = (
  | { config: Config | CantoConfig; configFile?: undefined }
  | { configFile?: string; config?: undefined }
) & {
  /** Modules given in code, found before `plugin_paths` and npm (the standard set, say). */
  modules?: Readonly<Record<string, ModuleSetup>>;
  /** Modules every host loads before `modules_enabled`. */
  autoload?: readonly string[];
  /** Default: pino on stdout at the `log_level` option. */
  logger?: Logger;
  /** More storage drivers by name, next to `sqlite`, `memory` and Prosody's names. */
  drivers?: Readonly<Record<string, StorageDriver>>;
} & Partial<
    Pick<
      ServerOptions,
      "scheduler" | "authz" | "resolvers" | "cronLeases" | "hostModules" | "optionalModules"
    >
  >;

/** A server with production defaults, and what the facade wired for it. */
export interface CantoServer extends Server {
  /** The OpenTelemetry SDK the metrics record into; `openMetrics()` renders the exposition. */
  readonly telemetry: MetricsSetup;
}

function isConfig(value: unknown): value is Config {
  return typeof value === "object" && value !== null && typeof (value as Config).options === "function";
}

/**
 * A server wired with production defaults: SQLite storage in the data directory (and the memory
 * driver by name, and Prosody's storage names: `internal`, `sql` with its `sql` table, `none`, `null`), an OpenTelemetry MeterProvider whose figures render as OpenMetrics, pino
 * logging, roles and cron. `start()` activates the hosts; `stop()` unloads every module and closes
 * every store.
 */
export async function createServer(options: CreateServerOptions = {}): Promise<CantoServer> {
  const config = isConfig(options.config)
    ? options.config
    : options.config !== undefined
      ? createConfig(options.config)
      : await loadConfig(options.configFile);
  const logger =
    options.logger ??
    pino({
      level:
        typeof config.get("*", "log_level") === "string" ? (config.get("*", "log_level") as string) : "info",
    });
  const dataDir = config.paths.data;
  mkdirSync(dataDir, { recursive: true });

  const hostOption = <T>(host: string, name: string): T | undefined =>
    config.get(host, name) as T | undefined;
  const sqlite = createSqliteDriver({ path: join(dataDir, "canto.sqlite") });
  // Prosody's names: `internal` is this same SQLite file, `sql` follows the `sql` table.
  const prosody = prosodyStorage({ dataPath: dataDir, option: hostOption, internal: sqlite });
  try {
    for (const host of ["*", ...config.hosts().map((h) => h.name)]) prosody.check(host);
  } catch (error) {
    // A bad `sql` table stops the server here, once, rather than failing every store's open.
    await sqlite.close();
    throw error;
  }
  const storage = new StorageManager({
    drivers: {
      sqlite,
      memory: createMemoryDriver(),
      ...prosody.drivers,
      ...options.drivers,
    },
    resolver: prosody.resolver,
    storage: hostOption("*", "storage"),
    defaultStorage: hostOption<string>("*", "default_storage") ?? "sqlite",
    hostOptions: (host) => ({
      storage: hostOption(host, "storage"),
      default_storage: hostOption(host, "default_storage"),
      storage_archive_item_limit: hostOption(host, "storage_archive_item_limit"),
    }),
  });
  const telemetry = setupMetrics({
    logger: logger.child({ module: "metrics" }),
    prefix: metricsPrefix(config),
  });
  const server = new Server({
    config,
    logger,
    storage,
    metrics: telemetry.metrics,
    modules: options.modules ?? {},
    autoload: options.autoload ?? [],
    ...(options.scheduler && { scheduler: options.scheduler }),
    ...(options.authz && { authz: options.authz }),
    ...(options.resolvers && { resolvers: options.resolvers }),
    ...(options.cronLeases !== undefined && { cronLeases: options.cronLeases }),
    ...(options.hostModules && { hostModules: options.hostModules }),
    ...(options.optionalModules && { optionalModules: options.optionalModules }),
  }) as CantoServer;
  Object.defineProperty(server, "telemetry", { value: telemetry, enumerable: true });
  const stop = server.stop.bind(server);
  server.stop = async (reason?: string) => {
    await stop(reason);
    await telemetry.shutdown();
  };
  return server;
}
