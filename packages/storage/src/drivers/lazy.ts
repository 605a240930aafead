import type { StorageDriver } from "../types.js";
import type { MysqlDriverOptions } from "./mysql/driver.js";
import type { PostgresDriverOptions } from "./postgres/driver.js";
import type { RedisDriverOptions } from "./redis/driver.js";

type StoreKind = "keyval" | "map" | "archive";

/**
 * A driver whose implementation (and its client library) is imported at first use. The PostgreSQL,
 * MySQL and Redis clients cost over half a second to import; a process that never opens such a store
 * (the CLI, most servers) should not pay for them.
 */
function lazyDriver(
  name: string,
  kinds: readonly StoreKind[],
  load: () => Promise<StorageDriver>,
): StorageDriver {
  let loading: Promise<StorageDriver> | undefined;
  const real = () => {
    loading ??= load();
    return loading;
  };
  const driver: { -readonly [K in keyof StorageDriver]: StorageDriver[K] } = {
    name,
    async close() {
      if (loading !== undefined) await (await loading).close();
    },
  };
  if (kinds.includes("keyval")) driver.keyval = async (host, store) => (await real()).keyval!(host, store);
  if (kinds.includes("map")) driver.map = async (host, store) => (await real()).map!(host, store);
  if (kinds.includes("archive"))
    driver.archive = async (host, store, options) => (await real()).archive!(host, store, options);
  return driver;
}

/** The `postgres` driver: keyval and map through @keyv/postgres, archives in SQL tables through `pg`. */
export function createPostgresDriver(options: PostgresDriverOptions): StorageDriver {
  return lazyDriver(options.name ?? "postgres", ["keyval", "map", "archive"], async () =>
    (await import("./postgres/driver.js")).createPostgresDriver(options),
  );
}

/** The `redis` driver: keyval and map through @keyv/redis; archives are refused (`unsupported-store`). */
export function createRedisDriver(options: RedisDriverOptions = {}): StorageDriver {
  return lazyDriver(options.name ?? "redis", ["keyval", "map"], async () =>
    (await import("./redis/driver.js")).createRedisDriver(options),
  );
}

/** The `mysql` driver (MySQL and MariaDB): keyval, map and archives in SQL tables through mysql2. */
export function createMysqlDriver(options: MysqlDriverOptions): StorageDriver {
  return lazyDriver(options.name ?? "mysql", ["keyval", "map", "archive"], async () =>
    (await import("./mysql/driver.js")).createMysqlDriver(options),
  );
}
