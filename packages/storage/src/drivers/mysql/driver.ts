import { createPool, type PoolOptions } from "mysql2/promise";
import { DEFAULT_MAX_VALUE_SIZE } from "../../codec.js";
import { ArchiveSql, KeyvTableSql, mysqlDialect } from "../../sql/archive-sql.js";
import { sqlDocumentUpdate } from "../../sql/document-update.js";
import { SqlKeyvAdapter } from "../../sql/keyv-adapter.js";
import { pooledSqlDriver, TableSetup } from "../../sql/pooled-driver.js";
import type { Clock, StorageDriver } from "../../types.js";
import { Lifecycle } from "../../util/lifecycle.js";
import { KeyvSlots } from "../keyv/slots.js";
import { mysqlSqlPool } from "./pool.js";
import { archiveDdlMysql, exactCollation, keyvDdl } from "./schema.js";

export interface MysqlDriverOptions {
  /** Registered name; default "mysql". */
  name?: string;
  /** e.g. `mysql://root@127.0.0.1:3306/test`; or give the parts below. */
  uri?: string;
  /** Default `localhost`. */
  host?: string;
  /** Default 3306. */
  port?: number;
  user?: string;
  password?: string;
  /** The database (it must exist). Required unless `uri` names one. */
  database?: string;
  /** Prefix of the table names (`<prefix>keyv`, `<prefix>archive`); default "canto_". */
  tablePrefix?: string;
  /** Give up connecting after this many ms; default 5000. */
  connectTimeout?: number;
  /** Size of the connection pool; default 4. */
  poolSize?: number;
  clock?: Clock;
  maxValueSize?: number;
}

const PREFIX = /^[a-z_][a-z0-9_]{0,40}$/;

/** MySQL and MariaDB through mysql2: keyval and map through Keyv, archives in an SQL table. */
export function createMysqlDriver(options: MysqlDriverOptions): StorageDriver {
  const name = options.name ?? "mysql";
  const prefix = options.tablePrefix ?? "canto_";
  if (!PREFIX.test(prefix)) throw new TypeError(`invalid table prefix ${JSON.stringify(prefix)}`);
  if (options.uri === undefined && !options.database) {
    throw new TypeError("the mysql driver needs a database (or a uri naming one)");
  }
  const life = new Lifecycle(`storage driver "${name}"`);
  const clock = options.clock ?? Date.now;
  const maxValueSize = options.maxValueSize ?? DEFAULT_MAX_VALUE_SIZE;
  const config: PoolOptions = {
    ...(options.uri !== undefined && { uri: options.uri }),
    ...(options.host !== undefined && { host: options.host }),
    ...(options.port !== undefined && { port: options.port }),
    ...(options.user !== undefined && { user: options.user }),
    ...(options.password !== undefined && { password: options.password }),
    ...(options.database !== undefined && { database: options.database }),
    charset: "utf8mb4",
    connectTimeout: options.connectTimeout ?? 5000,
    connectionLimit: options.poolSize ?? 4,
    waitForConnections: true,
  };
  const pool = createPool(config);
  // The shared SQL quotes identifiers as the standard does ("key", "when" and "with" are
  // reserved words); ANSI_QUOTES makes MySQL read them so. A new connection runs this first.
  pool.pool.on("connection", (conn) => {
    conn.query("SET SESSION sql_mode = CONCAT_WS(',', NULLIF(@@SESSION.sql_mode, ''), 'ANSI_QUOTES')");
  });
  const keyvTable = `${prefix}keyv`;
  const archiveTable = `${prefix}archive`;
  const where = options.uri ?? `${options.host ?? "localhost"}:${options.port ?? 3306}/${options.database}`;
  const sqlPool = mysqlSqlPool(pool, `${options.database ?? options.uri}/${prefix}`);
  const tables = new TableSetup(life, `connecting to MySQL (${name}, ${where})`, async () => {
    const collation = await exactCollation(pool);
    await pool.query(keyvDdl(keyvTable, collation));
    await pool.query(archiveDdlMysql(archiveTable, collation));
  });
  const keyvSql = new KeyvTableSql(keyvTable, mysqlDialect);
  const slots = new KeyvSlots(
    name,
    life,
    // Keys are ASCII (see keyvDdl): DEL bounds a scan of every namespace.
    () => new SqlKeyvAdapter(sqlPool, keyvSql, "mysql", `mysql://${where}`, "\u007f"),
    maxValueSize,
    "",
    sqlDocumentUpdate("mysql", sqlPool, keyvSql, tables.whenReady, maxValueSize),
  );
  return pooledSqlDriver({
    name,
    label: "mysql",
    life,
    tables,
    pool: sqlPool,
    slots,
    archiveSql: new ArchiveSql(archiveTable, mysqlDialect),
    clock,
    maxValueSize,
  });
}
