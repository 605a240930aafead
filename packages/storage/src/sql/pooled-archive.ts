import { encodeValue } from "../codec.js";
import { ItemNotFoundError, QuotaLimitError } from "../errors.js";
import type {
  AppendItem,
  ArchiveCaps,
  ArchiveDeleteQuery,
  ArchiveItem,
  ArchiveQuery,
  ArchiveStore,
  ArchiveSummary,
  Clock,
  FindResult,
  StoredValue,
  User,
} from "../types.js";
import { archiveCaps } from "../util/archive-caps.js";
import { findResult } from "../util/find-result.js";
import { asStorageError, type Lifecycle } from "../util/lifecycle.js";
import { validateArchiveKey, validateQuery, validateUser, validateWhen, validateWith } from "../validate.js";
import {
  type ArchiveRow,
  prepareItems,
  rowToItem,
  type SummaryRow,
  summaryFromRows,
} from "./archive-rows.js";
import type { ArchiveSql, Positions, Scope } from "./archive-sql.js";
import type { SqlPool, SqlRunner } from "./pool.js";

/**
 * An archive in a table of a database server (PostgreSQL, MySQL), through a connection pool.
 * Writes run in transactions.
 */
export class PooledSqlArchive implements ArchiveStore {
  readonly caps: ArchiveCaps;

  constructor(
    /** Names the driver in error messages ("postgres archive find failed: ..."). */
    private readonly label: string,
    private readonly pool: SqlPool,
    private readonly sql: ArchiveSql,
    private readonly host: string,
    private readonly store: string,
    private readonly life: Lifecycle,
    private readonly clock: Clock,
    private readonly newKey: () => string,
    private readonly itemLimit: number | undefined,
    private readonly maxValueSize: number,
  ) {
    this.caps = archiveCaps(itemLimit);
  }

  #scope(user: User): Scope {
    return { host: this.host, user: validateUser(user) ?? "", store: this.store };
  }

  async #guard<T>(what: string, fn: () => Promise<T>): Promise<T> {
    this.life.check();
    try {
      return await fn();
    } catch (err) {
      throw asStorageError(err, `${this.label} archive ${what}`);
    }
  }

  async #positions(db: SqlRunner, scope: Scope, q: { before?: string; after?: string }): Promise<Positions> {
    const pos: Positions = {};
    for (const side of ["after", "before"] as const) {
      const key = q[side];
      if (key === undefined) continue;
      const [row] = await db.all<{ sort_id: string }>(this.sql.position(scope, key));
      if (!row) throw new ItemNotFoundError(`no archived item with key ${JSON.stringify(key)}`);
      pos[side] = row.sort_id;
    }
    return pos;
  }

  async append(
    user: User,
    key: string | undefined,
    value: StoredValue,
    when?: number,
    with_?: string,
  ): Promise<string> {
    const [k] = await this.appendMany(user, [{ key, value, when, with: with_ }]);
    return k!;
  }

  appendMany(user: User, items: readonly AppendItem[]): Promise<string[]> {
    return this.#guard("append", async () => {
      const scope = this.#scope(user);
      const prepared = prepareItems(items, this.newKey, this.clock, this.maxValueSize);
      // Quota checks of one archive are serialised across clients by the lock.
      const lock =
        this.itemLimit === undefined ? undefined : JSON.stringify([scope.host, scope.user, scope.store]);
      await this.pool.transaction(async (tx) => {
        let count = 0;
        if (this.itemLimit !== undefined) {
          count = Number((await tx.all<{ n: string }>(this.sql.count(scope, {})))[0]?.n ?? 0);
        }
        for (const r of prepared) {
          const replaced = (await tx.run(this.sql.deleteKey(scope, r.key))) > 0;
          if (this.itemLimit !== undefined && !replaced) {
            if (count >= this.itemLimit) throw new QuotaLimitError(this.itemLimit);
            count++;
          }
          await tx.run(this.sql.insert(scope, r.key, r.when, r.with, r.type, r.text));
        }
      }, lock);
      return prepared.map((r) => r.key);
    });
  }

  find(user: User, query?: ArchiveQuery): Promise<FindResult> {
    return this.#guard("find", async () => {
      const scope = this.#scope(user);
      const q = validateQuery<ArchiveQuery>(query);
      const pos = await this.#positions(this.pool, scope, q);
      const [items, total] = await Promise.all([
        q.limit === 0 ? [] : this.pool.all<ArchiveRow>(this.sql.find(scope, q, pos)),
        q.total
          ? this.pool.all<{ n: string }>(this.sql.count(scope, q)).then((r) => Number(r[0]?.n ?? 0))
          : undefined,
      ]);
      return findResult(items.map(rowToItem), total);
    });
  }

  get(user: User, key: string): Promise<ArchiveItem | undefined> {
    return this.#guard("get", async () => {
      const [row] = await this.pool.all<ArchiveRow>(this.sql.get(this.#scope(user), validateArchiveKey(key)));
      return row ? rowToItem(row) : undefined;
    });
  }

  set(user: User, key: string, value: StoredValue, when?: number, with_?: string): Promise<void> {
    return this.#guard("set", async () => {
      const scope = this.#scope(user);
      validateArchiveKey(key);
      const { type, text } = encodeValue(value, this.maxValueSize);
      const w = when === undefined ? undefined : validateWhen(when);
      const st = this.sql.update(scope, key, type, text, w, validateWith(with_));
      if ((await this.pool.run(st)) === 0)
        throw new ItemNotFoundError(`no archived item with key ${JSON.stringify(key)}`);
    });
  }

  delete(user: User, query?: ArchiveDeleteQuery): Promise<number> {
    return this.#guard("delete", async () => {
      const scope = this.#scope(user);
      const q = validateQuery<ArchiveDeleteQuery>(query);
      return this.pool.transaction(async (tx) =>
        tx.run(this.sql.delete(scope, q, await this.#positions(tx, scope, q))),
      );
    });
  }

  summary(user: User, query?: ArchiveQuery): Promise<ArchiveSummary> {
    return this.#guard("summary", async () => {
      const scope = this.#scope(user);
      const q = validateQuery<ArchiveQuery>(query);
      const pos = await this.#positions(this.pool, scope, q);
      return summaryFromRows(await this.pool.all<SummaryRow>(this.sql.summary(scope, q, pos)));
    });
  }

  async *users(): AsyncIterable<string> {
    const found = await this.#guard("users", () =>
      this.pool.all<{ user: string }>(this.sql.users(this.host, this.store)),
    );
    for (const r of found) yield r.user;
  }
}
