export * from "./codec.js";
export { type KeyvAdapterFactory, keyvNamespace, makeKeyv } from "./drivers/keyv/slots.js";
export { createMysqlDriver, createPostgresDriver, createRedisDriver } from "./drivers/lazy.js";
export { createMemoryDriver, type MemoryDriverOptions } from "./drivers/memory/driver.js";
export type { MysqlDriverOptions } from "./drivers/mysql/driver.js";
export type { PostgresDriverOptions } from "./drivers/postgres/driver.js";
export type { RedisDriverOptions } from "./drivers/redis/driver.js";
export { createSqliteDriver, type SqliteDriverOptions } from "./drivers/sqlite/driver.js";
export { BetterSqliteKeyvAdapter } from "./drivers/sqlite/keyv-adapter.js";
export * from "./errors.js";
export * from "./manager.js";
export { createDisabledDriver, type DisabledDriverOptions } from "./prosody/disabled-driver.js";
export {
  DEFAULT_SQLITE_DATABASE,
  parseSqlOption,
  type SqlDriverName,
  type SqlParams,
} from "./prosody/sql-option.js";
export {
  createSqlDriver,
  type ProsodyStorage,
  type ProsodyStorageOptions,
  postgresUri,
  prosodyStorage,
} from "./prosody/storage.js";
export { KeyvalPlus } from "./shims/keyval-plus.js";
export { MapOverKeyval } from "./shims/map-over-keyval.js";
export * from "./types.js";
export { uuidv7Generator } from "./util/uuid7.js";
