import KeyvPostgres from "@keyv/postgres";
import pg from "pg";
import { DEFAULT_MAX_VALUE_SIZE } from "../../codec.js";
import { ArchiveSql, archiveDdl, KeyvTableSql, postgresDialect } from "../../sql/archive-sql.js";
import { sqlDocumentUpdate } from "../../sql/document-update.js";
import { pooledSqlDriver, TableSetup } from "../../sql/pooled-driver.js";
import type { Clock, StorageDriver } from "../../types.js";
import { Lifecycle } from "../../util/lifecycle.js";
import { KeyvSlots } from "../keyv/slots.js";
import { pgSqlPool } from "./pool.js";

export interface PostgresDriverOptions {
  /** Registered name; default "postgres". */
  name?: string;
  /** e.g. `postgresql://root@127.0.0.1:5432/test`. */
  connectionString: string;
  /** Schema for the tables (created if missing); default "public". */
  schema?: string;
  /** Prefix of the table names (`<prefix>keyv`, `<prefix>archive`); default "canto_". */
  tablePrefix?: string;
  /** Give up connecting after this many ms; default 5000. */
  connectTimeout?: number;
  /** Size of the archive's connection pool; default 4. */
  poolSize?: number;
  clock?: Clock;
  maxValueSize?: number;
}

const IDENT = /^[a-z_][a-z0-9_]{0,40}$/;

// @keyv/postgres keeps one global pg pool per URI and `disconnect()` ends it for every adapter:
// end it only when the last driver using that URI closes.
const keyvPoolUsers = new Map<string, number>();
const keyvPoolAdapter = new Map<string, KeyvPostgres>();

/** PostgreSQL: keyval and map through @keyv/postgres, archives in an SQL table through `pg`. */
export function createPostgresDriver(options: PostgresDriverOptions): StorageDriver {
  const name = options.name ?? "postgres";
  const schema = options.schema ?? "public";
  const prefix = options.tablePrefix ?? "canto_";
  if (!IDENT.test(schema)) throw new TypeError(`invalid schema name ${JSON.stringify(schema)}`);
  if (!IDENT.test(prefix)) throw new TypeError(`invalid table prefix ${JSON.stringify(prefix)}`);
  const uri = options.connectionString;
  const life = new Lifecycle(`storage driver "${name}"`);
  const clock = options.clock ?? Date.now;
  const maxValueSize = options.maxValueSize ?? DEFAULT_MAX_VALUE_SIZE;
  const connectionTimeoutMillis = options.connectTimeout ?? 5000;
  const pool = new pg.Pool({ connectionString: uri, max: options.poolSize ?? 4, connectionTimeoutMillis });
  pool.on("error", () => {}); // idle client errors surface on the next query instead
  const keyvTable = `${prefix}keyv`;
  const archiveTable = `${prefix}archive`;
  keyvPoolUsers.set(uri, (keyvPoolUsers.get(uri) ?? 0) + 1);

  const tables = new TableSetup(life, `connecting to PostgreSQL (${name})`, async () => {
    const client = await pool.connect();
    try {
      // Serialise DDL across processes starting at once.
      await client.query("SELECT pg_advisory_lock(hashtext('canto-storage-ddl'))");
      try {
        if (schema !== "public") await client.query(`CREATE SCHEMA IF NOT EXISTS "${schema}"`);
        await client.query(`SET search_path TO "${schema}"`);
        await client.query(
          `CREATE TABLE IF NOT EXISTS "${schema}"."${keyvTable}" (key TEXT PRIMARY KEY, value TEXT)`,
        );
        for (const ddl of archiveDdl(archiveTable, "BIGSERIAL PRIMARY KEY", "DOUBLE PRECISION")) {
          await client.query(ddl);
        }
      } finally {
        await client.query("SELECT pg_advisory_unlock(hashtext('canto-storage-ddl'))");
        await client.query("RESET search_path");
      }
    } finally {
      client.release();
    }
  });

  const sqlPool = pgSqlPool(pool);
  const atomic = sqlDocumentUpdate(
    "postgres",
    sqlPool,
    new KeyvTableSql([schema, keyvTable], postgresDialect),
    tables.whenReady,
    maxValueSize,
  );
  const slots = new KeyvSlots(
    name,
    life,
    () => {
      const adapter = new KeyvPostgres({
        uri,
        schema,
        table: keyvTable,
        keySize: 2048,
        max: 4,
        connectionTimeoutMillis,
      } as never);
      adapter.on("error", () => {});
      keyvPoolAdapter.set(uri, adapter);
      return adapter as never;
    },
    maxValueSize,
    "",
    atomic,
  );
  return pooledSqlDriver({
    name,
    label: "postgres",
    life,
    tables,
    pool: sqlPool,
    slots,
    archiveSql: new ArchiveSql([schema, archiveTable], postgresDialect),
    clock,
    maxValueSize,
    async beforeEnd() {
      const left = (keyvPoolUsers.get(uri) ?? 1) - 1;
      if (left > 0) {
        keyvPoolUsers.set(uri, left);
        return;
      }
      keyvPoolUsers.delete(uri);
      const adapter = keyvPoolAdapter.get(uri);
      keyvPoolAdapter.delete(uri);
      await adapter?.disconnect();
    },
  });
}
