import { mkdirSync } from "node:fs";
import { dirname, join } from "node:path";
import Database from "better-sqlite3";
import { DEFAULT_MAX_VALUE_SIZE, decodeJson, encodeJson } from "../../codec.js";
import type { AtomicDocumentUpdate } from "../../shims/map-over-keyval.js";
import { ArchiveSql, archiveDdl, sqliteDialect } from "../../sql/archive-sql.js";
import type {
  ArchiveOptions,
  ArchiveStore,
  Clock,
  KeyvalStore,
  MapStore,
  StorageDriver,
} from "../../types.js";
import { asStorageError, Lifecycle } from "../../util/lifecycle.js";
import { uuidv7Generator } from "../../util/uuid7.js";
import { validateHost, validateStoreName, validateUser } from "../../validate.js";
import { keyvKey } from "../keyv/keyval.js";
import { KeyvSlots } from "../keyv/slots.js";
import { SqliteArchive, StatementCache } from "./archive.js";
import { BetterSqliteKeyvAdapter } from "./keyv-adapter.js";
import { enableWal } from "./wal.js";

export interface SqliteDriverOptions {
  /** Registered name; default "sqlite". */
  name?: string;
  /** Database file. Default `<dataDir>/canto.sqlite`; `":memory:"` for a private in-memory database. */
  path?: string;
  /** Data directory used when `path` is not given; default the working directory. */
  dataDir?: string;
  /** An open better-sqlite3 database to use instead (the driver will not close it). */
  database?: Database.Database;
  /** Prefix of the table names (`<prefix>keyv`, `<prefix>archive`); default "canto_". */
  tablePrefix?: string;
  /**
   * SQLite `synchronous` pragma. "NORMAL" (default) keeps every committed write across a crash of
   * the process; "FULL" also across power loss, at the cost of an fsync per write.
   */
  synchronous?: "OFF" | "NORMAL" | "FULL" | "EXTRA";
  /** How long to wait for another process's write lock, in ms; default 5000. */
  busyTimeout?: number;
  clock?: Clock;
  maxValueSize?: number;
}

const PREFIX = /^[A-Za-z_][A-Za-z0-9_]{0,40}$/;

/**
 * The embedded default: one SQLite file (WAL mode) through better-sqlite3. Keyval and map go
 * through Keyv with an adapter over better-sqlite3; archives live in an indexed SQL table.
 */
export function createSqliteDriver(options: SqliteDriverOptions = {}): StorageDriver & {
  readonly database: Database.Database;
} {
  const name = options.name ?? "sqlite";
  const prefix = options.tablePrefix ?? "canto_";
  if (!PREFIX.test(prefix)) throw new TypeError(`invalid table prefix ${JSON.stringify(prefix)}`);
  const owned = options.database === undefined;
  const busyTimeout = options.busyTimeout ?? 5000;
  let db: Database.Database;
  if (options.database) {
    db = options.database;
  } else {
    const path = options.path ?? join(options.dataDir ?? ".", "canto.sqlite");
    if (path !== ":memory:") mkdirSync(dirname(path), { recursive: true });
    db = new Database(path, { timeout: busyTimeout });
  }
  enableWal(db, busyTimeout);
  db.pragma(`synchronous = ${options.synchronous ?? "NORMAL"}`);
  const life = new Lifecycle(`storage driver "${name}"`);
  const clock = options.clock ?? Date.now;
  const maxValueSize = options.maxValueSize ?? DEFAULT_MAX_VALUE_SIZE;
  const keyvTable = `${prefix}keyv`;
  // Creates the table once; each namespace then gets its own adapter instance (Keyv needs that).
  new BetterSqliteKeyvAdapter(db, keyvTable);
  const qt = `"${keyvTable}"`;
  const readDoc = db.prepare<[string], string>(`SELECT "value" FROM ${qt} WHERE "key" = ?`).pluck();
  const writeDoc = db.prepare(
    `INSERT INTO ${qt} ("key", "value") VALUES (?, ?) ON CONFLICT ("key") DO UPDATE SET "value" = excluded."value"`,
  );
  const deleteDoc = db.prepare(`DELETE FROM ${qt} WHERE "key" = ?`);
  // Map writes: read, change and write one document in one IMMEDIATE transaction, so writers in
  // other processes cannot interleave. (Keyv stores our JSON text as is under `namespace:key`.)
  const atomic =
    (namespace: string): AtomicDocumentUpdate =>
    async (user, change) => {
      life.check();
      const key = `${namespace}:${keyvKey(validateUser(user))}`;
      try {
        db.transaction(() => {
          const text = readDoc.get(key);
          const next = change(text === undefined ? undefined : decodeJson(text));
          if (next === undefined) deleteDoc.run(key);
          else writeDoc.run(key, encodeJson(next, maxValueSize));
        }).immediate();
      } catch (err) {
        throw asStorageError(err, "sqlite map update");
      }
    };
  const slots = new KeyvSlots(
    name,
    life,
    () => new BetterSqliteKeyvAdapter(db, keyvTable),
    maxValueSize,
    "",
    atomic,
  );
  const archiveTable = `${prefix}archive`;
  db.transaction(() => {
    for (const ddl of archiveDdl(archiveTable, "INTEGER PRIMARY KEY", "REAL")) db.exec(ddl);
  }).immediate();
  const sql = new ArchiveSql(archiveTable, sqliteDialect);
  const stmts = new StatementCache(db);
  const newKey = uuidv7Generator(clock);

  return {
    name,
    database: db,
    keyval(host: string, store: string): KeyvalStore {
      return slots.slot(validateHost(host), validateStoreName(store)).keyval;
    },
    map(host: string, store: string): MapStore {
      return slots.slot(validateHost(host), validateStoreName(store)).map;
    },
    archive(host: string, store: string, opts: ArchiveOptions): ArchiveStore {
      life.check();
      return new SqliteArchive(
        stmts,
        sql,
        validateHost(host),
        validateStoreName(store),
        life,
        clock,
        newKey,
        opts.itemLimit,
        maxValueSize,
      );
    },
    async close() {
      if (life.closed) return;
      life.close();
      slots.clear();
      if (owned) db.close();
    },
  };
}
