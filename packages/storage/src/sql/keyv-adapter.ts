import { EventEmitter } from "node:events";
import type { KeyvStoreAdapter, StoredData } from "keyv";
import { type KeyvTableSql, namespaceBounds } from "./archive-sql.js";
import type { SqlPool } from "./pool.js";

/**
 * A Keyv storage adapter over a pooled SQL table `("key", "value")`, for servers without a
 * maintained Keyv adapter on our stack (MySQL/MariaDB). Each call is one statement.
 */
export class SqlKeyvAdapter extends EventEmitter implements KeyvStoreAdapter {
  // `dialect` makes Keyv expose `iterator()`.
  readonly opts: { dialect: string; url: string; table: string };
  namespace?: string | undefined;

  constructor(
    private readonly pool: SqlPool,
    private readonly sql: KeyvTableSql,
    dialect: string,
    url: string,
    /** Upper bound of every key, used when no namespace narrows a scan. */
    private readonly maxKey = "\uffff",
  ) {
    super();
    this.opts = { dialect, url, table: sql.table };
  }

  #bounds(namespace: string | undefined): [string, string] {
    return namespace ? namespaceBounds(namespace) : ["", this.maxKey];
  }

  async get<Value>(key: string): Promise<StoredData<Value> | undefined> {
    const [row] = await this.pool.all<{ value: string }>(this.sql.get(key));
    return row?.value as StoredData<Value> | undefined;
  }

  async getMany<Value>(keys: string[]): Promise<Array<StoredData<Value | undefined>>> {
    return Promise.all(keys.map((k) => this.get<Value>(k) as Promise<StoredData<Value | undefined>>));
  }

  async set(key: string, value: unknown): Promise<boolean> {
    await this.pool.run(this.sql.set(key, String(value)));
    return true;
  }

  async delete(key: string): Promise<boolean> {
    return (await this.pool.run(this.sql.delete(key))) > 0;
  }

  async deleteMany(keys: string[]): Promise<boolean> {
    const deleted = await Promise.all(keys.map((k) => this.delete(k)));
    return deleted.some(Boolean);
  }

  async has(key: string): Promise<boolean> {
    return (await this.get(key)) !== undefined;
  }

  /** Clears this adapter's namespace only. */
  async clear(): Promise<void> {
    await this.pool.run(this.sql.clearRange(...this.#bounds(this.namespace)));
  }

  async *iterator<Value>(
    namespace?: string,
  ): AsyncGenerator<Array<string | Awaited<Value> | undefined>, void> {
    const rows = await this.pool.all<{ key: string; value: string }>(
      this.sql.range(...this.#bounds(namespace)),
    );
    for (const row of rows) yield [row.key, row.value as Awaited<Value>];
  }

  /** The pool belongs to the driver, which ends it. */
  async disconnect(): Promise<void> {}
}
