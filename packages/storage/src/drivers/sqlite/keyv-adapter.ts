import { EventEmitter } from "node:events";
import type BetterSqlite3 from "better-sqlite3";
import type { KeyvStoreAdapter, StoredData } from "keyv";
import { namespaceBounds } from "../../sql/archive-sql.js";

/**
 * A Keyv storage adapter over better-sqlite3 (instead of @keyv/sqlite, which pulls in a second
 * native module). One table `(key TEXT PRIMARY KEY, value TEXT)`; keys are Keyv's
 * `namespace:key`. Statements are prepared once; every call is one synchronous statement, so a
 * resolved write is committed.
 */
export class BetterSqliteKeyvAdapter extends EventEmitter implements KeyvStoreAdapter {
  // `dialect` makes Keyv expose `iterator()`.
  readonly opts: { dialect: "sqlite"; url: string; table: string };
  namespace?: string | undefined;
  readonly #get: BetterSqlite3.Statement<[string], { value: string }>;
  readonly #set: BetterSqlite3.Statement<[string, string]>;
  readonly #delete: BetterSqlite3.Statement<[string]>;
  readonly #range: BetterSqlite3.Statement<[string, string], { key: string; value: string }>;
  readonly #clearRange: BetterSqlite3.Statement<[string, string]>;

  constructor(
    readonly db: BetterSqlite3.Database,
    table = "keyv",
  ) {
    super();
    const t = `"${table.replace(/"/g, '""')}"`;
    this.opts = { dialect: "sqlite", url: `sqlite://${db.name}`, table };
    db.exec(`CREATE TABLE IF NOT EXISTS ${t} ("key" TEXT PRIMARY KEY, "value" TEXT NOT NULL) WITHOUT ROWID`);
    this.#get = db.prepare(`SELECT "value" FROM ${t} WHERE "key" = ?`);
    this.#set = db.prepare(
      `INSERT INTO ${t} ("key", "value") VALUES (?, ?) ON CONFLICT ("key") DO UPDATE SET "value" = excluded."value"`,
    );
    this.#delete = db.prepare(`DELETE FROM ${t} WHERE "key" = ?`);
    this.#range = db.prepare(`SELECT "key", "value" FROM ${t} WHERE "key" >= ? AND "key" < ? ORDER BY "key"`);
    this.#clearRange = db.prepare(`DELETE FROM ${t} WHERE "key" >= ? AND "key" < ?`);
  }

  async get<Value>(key: string): Promise<StoredData<Value> | undefined> {
    return this.#get.get(key)?.value as StoredData<Value> | undefined;
  }

  async getMany<Value>(keys: string[]): Promise<Array<StoredData<Value | undefined>>> {
    return keys.map((k) => this.#get.get(k)?.value as StoredData<Value | undefined>);
  }

  async set(key: string, value: unknown): Promise<boolean> {
    this.#set.run(key, String(value));
    return true;
  }

  async delete(key: string): Promise<boolean> {
    return this.#delete.run(key).changes > 0;
  }

  async deleteMany(keys: string[]): Promise<boolean> {
    let any = false;
    this.db.transaction(() => {
      for (const k of keys) any = this.#delete.run(k).changes > 0 || any;
    })();
    return any;
  }

  async has(key: string): Promise<boolean> {
    return this.#get.get(key) !== undefined;
  }

  /** Clears this adapter's namespace only. */
  async clear(): Promise<void> {
    this.#clearRange.run(...namespaceBounds(this.namespace));
  }

  async *iterator<Value>(
    namespace?: string,
  ): AsyncGenerator<Array<string | Awaited<Value> | undefined>, void> {
    // Read the rows first: an open better-sqlite3 iterator blocks writes on this connection.
    const rows = this.#range.all(...namespaceBounds(namespace));
    for (const row of rows) yield [row.key, row.value as Awaited<Value>];
  }

  async disconnect(): Promise<void> {}
}
