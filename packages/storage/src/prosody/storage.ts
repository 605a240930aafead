import { createMysqlDriver, createPostgresDriver } from "../drivers/lazy.js";
import { createSqliteDriver } from "../drivers/sqlite/driver.js";
import type { DriverResolver } from "../manager.js";
import type { StorageDriver } from "../types.js";
import { asStorageError } from "../util/lifecycle.js";
import { createDisabledDriver } from "./disabled-driver.js";
import { parseSqlOption, type SqlParams, sqlParamsKey } from "./sql-option.js";

export interface ProsodyStorageOptions {
  /** Prosody's `data_path`: an SQLite3 `database` is relative to it. */
  dataPath: string;
  /** Reads an option as `host` sees it (its own, else the global one): `sql`, `storage`, `default_storage`. */
  option: (host: string, name: string) => unknown;
  /** Canto's default store, which Prosody's `internal` (its flat files) names here. */
  internal: StorageDriver;
  /** Makes the driver for a checked `sql` table; default: the sqlite, postgres or mysql driver, named "sql". */
  createSqlDriver?: (params: SqlParams) => StorageDriver;
}

/** Prosody's storage names, ready to hand to a `StorageManager`. */
export interface ProsodyStorage {
  /** `internal` (the given default store), `none` and `null`. */
  readonly drivers: Readonly<Record<string, StorageDriver>>;
  /** `sql`, made from the `sql` option each host sees; hosts with the same table share a driver. */
  readonly resolver: DriverResolver;
  /**
   * Throws `invalid-option` when a store of `host` is on `sql` and its `sql` table is unusable:
   * for a server to refuse a bad config at start rather than at each store's first open.
   */
  check(host: string): void;
}

/** Prosody's connection URI for `pg` (and @keyv/postgres, which takes only a URI). */
export function postgresUri(params: SqlParams): string {
  const user = params.username === undefined ? "" : encodeURIComponent(params.username);
  const password = params.password === undefined ? "" : `:${encodeURIComponent(params.password)}`;
  const auth = user || password ? `${user}${password}@` : "";
  const db = encodeURIComponent(params.database);
  const port = params.port === undefined ? "" : `:${params.port}`;
  // A host that is a directory is libpq's Unix socket folder.
  if (params.host?.startsWith("/"))
    return `postgresql://${auth}${port ? `localhost${port}` : ""}/${db}?host=${encodeURIComponent(params.host)}`;
  const host = params.host?.includes(":") ? `[${params.host}]` : (params.host ?? "localhost");
  return `postgresql://${auth}${host}${port}/${db}`;
}

/** The driver Prosody's `sql` table asks for, named "sql". */
export function createSqlDriver(params: SqlParams): StorageDriver {
  switch (params.driver) {
    case "SQLite3":
      return createSqliteDriver({ name: "sql", path: params.database });
    case "PostgreSQL":
      return createPostgresDriver({ name: "sql", connectionString: postgresUri(params) });
    case "MySQL":
      return createMysqlDriver({
        name: "sql",
        database: params.database,
        ...(params.host !== undefined && { host: params.host }),
        ...(params.port !== undefined && { port: params.port }),
        ...(params.username !== undefined && { user: params.username }),
        ...(params.password !== undefined && { password: params.password }),
      });
  }
}

/** The driver names the stores of `host` can reach through `storage` and `default_storage`. */
function namesUsed(option: ProsodyStorageOptions["option"], host: string): Set<string> {
  const storage = option(host, "storage");
  const fallback = option(host, "default_storage");
  const names = new Set<string>();
  if (typeof storage === "string") names.add(storage);
  else {
    if (typeof storage === "object" && storage !== null) {
      for (const name of Object.values(storage)) if (typeof name === "string") names.add(name);
    }
    names.add(typeof fallback === "string" ? fallback : "internal");
  }
  return names;
}

/**
 * Prosody's storage names for Canto: `internal` is Canto's default store (SQLite in the data
 * path), `sql` reads Prosody's `sql` option (SQLite3, PostgreSQL, MySQL), `none` keeps nothing
 * and `null` fails every call. (`memory` is Canto's memory driver, registered by that name.)
 */
export function prosodyStorage(options: ProsodyStorageOptions): ProsodyStorage {
  const make = options.createSqlDriver ?? createSqlDriver;
  const sqlDrivers = new Map<string, StorageDriver>();
  const params = (host: string) => parseSqlOption(options.option(host, "sql"), options.dataPath, host);
  return {
    drivers: {
      internal: options.internal,
      none: createDisabledDriver({ name: "none" }),
      null: createDisabledDriver({ name: "null", failReads: true }),
    },
    resolver: {
      names: ["sql"],
      resolve(name, host) {
        if (name !== "sql") return undefined;
        const p = params(host);
        const key = sqlParamsKey(p);
        let driver = sqlDrivers.get(key);
        if (driver === undefined) {
          try {
            driver = make(p);
          } catch (err) {
            throw asStorageError(err, `opening the ${p.driver} database ${p.database} (option "sql")`);
          }
          sqlDrivers.set(key, driver);
        }
        return driver;
      },
    },
    check(host) {
      if (namesUsed(options.option, host).has("sql")) params(host);
    },
  };
}
