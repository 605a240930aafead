import type BetterSqlite3 from "better-sqlite3";
import { encodeValue } from "../../codec.js";
import { ItemNotFoundError, QuotaLimitError } from "../../errors.js";
import {
  type ArchiveRow,
  prepareItems,
  rowToItem,
  type SummaryRow,
  summaryFromRows,
} from "../../sql/archive-rows.js";
import type { ArchiveSql, Positions, Scope, Statement } from "../../sql/archive-sql.js";
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
} from "../../types.js";
import { archiveCaps } from "../../util/archive-caps.js";
import { findResult } from "../../util/find-result.js";
import { asStorageError, type Lifecycle } from "../../util/lifecycle.js";
import {
  validateArchiveKey,
  validateQuery,
  validateUser,
  validateWhen,
  validateWith,
} from "../../validate.js";

/** Prepared statements by SQL text, per connection. */
export class StatementCache {
  readonly #cache = new Map<string, BetterSqlite3.Statement>();
  constructor(readonly db: BetterSqlite3.Database) {}
  get(sql: string): BetterSqlite3.Statement {
    let s = this.#cache.get(sql);
    if (!s) {
      s = this.db.prepare(sql);
      if (this.#cache.size > 500) this.#cache.clear();
      this.#cache.set(sql, s);
    }
    return s;
  }
  all<T>(st: Statement): T[] {
    return this.get(st.sql).all(...st.params) as T[];
  }
  one<T>(st: Statement): T | undefined {
    return this.get(st.sql).get(...st.params) as T | undefined;
  }
  run(st: Statement): number {
    return this.get(st.sql).run(...st.params).changes;
  }
}

/** An archive in an SQLite table; each call is one synchronous transaction. */
export class SqliteArchive implements ArchiveStore {
  readonly caps: ArchiveCaps;

  constructor(
    private readonly stmts: StatementCache,
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

  #guard<T>(what: string, fn: () => T): T {
    this.life.check();
    try {
      return fn();
    } catch (err) {
      throw asStorageError(err, `sqlite archive ${what}`);
    }
  }

  #positions(scope: Scope, q: { before?: string; after?: string }): Positions {
    const pos: Positions = {};
    for (const side of ["after", "before"] as const) {
      const key = q[side];
      if (key === undefined) continue;
      const row = this.stmts.one<{ sort_id: number }>(this.sql.position(scope, key));
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

  async appendMany(user: User, items: readonly AppendItem[]): Promise<string[]> {
    return this.#guard("append", () => {
      const scope = this.#scope(user);
      const rows = prepareItems(items, this.newKey, this.clock, this.maxValueSize);
      this.stmts.db
        .transaction(() => {
          let count =
            this.itemLimit === undefined
              ? 0
              : Number(this.stmts.one<{ n: number }>(this.sql.count(scope, {}))?.n ?? 0);
          for (const r of rows) {
            const replaced = r.key !== undefined && this.stmts.run(this.sql.deleteKey(scope, r.key)) > 0;
            if (this.itemLimit !== undefined && !replaced) {
              if (count >= this.itemLimit) throw new QuotaLimitError(this.itemLimit);
              count++;
            }
            this.stmts.run(this.sql.insert(scope, r.key, r.when, r.with, r.type, r.text));
          }
        })
        .immediate();
      return rows.map((r) => r.key);
    });
  }

  async find(user: User, query?: ArchiveQuery): Promise<FindResult> {
    return this.#guard("find", () => {
      const scope = this.#scope(user);
      const q = validateQuery<ArchiveQuery>(query);
      return this.stmts.db.transaction(() => {
        const pos = this.#positions(scope, q);
        const total = q.total
          ? Number(this.stmts.one<{ n: number }>(this.sql.count(scope, q))?.n ?? 0)
          : undefined;
        const rows = q.limit === 0 ? [] : this.stmts.all<ArchiveRow>(this.sql.find(scope, q, pos));
        return findResult(rows.map(rowToItem), total);
      })();
    });
  }

  async get(user: User, key: string): Promise<ArchiveItem | undefined> {
    return this.#guard("get", () => {
      const row = this.stmts.one<ArchiveRow>(this.sql.get(this.#scope(user), validateArchiveKey(key)));
      return row ? rowToItem(row) : undefined;
    });
  }

  async set(user: User, key: string, value: StoredValue, when?: number, with_?: string): Promise<void> {
    this.#guard("set", () => {
      const scope = this.#scope(user);
      validateArchiveKey(key);
      const { type, text } = encodeValue(value, this.maxValueSize);
      const w = when === undefined ? undefined : validateWhen(when);
      const changed = this.stmts.run(this.sql.update(scope, key, type, text, w, validateWith(with_)));
      if (changed === 0) throw new ItemNotFoundError(`no archived item with key ${JSON.stringify(key)}`);
    });
  }

  async delete(user: User, query?: ArchiveDeleteQuery): Promise<number> {
    return this.#guard("delete", () => {
      const scope = this.#scope(user);
      const q = validateQuery<ArchiveDeleteQuery>(query);
      return this.stmts.db
        .transaction(() => {
          const pos = this.#positions(scope, q);
          return this.stmts.run(this.sql.delete(scope, q, pos));
        })
        .immediate();
    });
  }

  async summary(user: User, query?: ArchiveQuery): Promise<ArchiveSummary> {
    return this.#guard("summary", () => {
      const scope = this.#scope(user);
      const q = validateQuery<ArchiveQuery>(query);
      return this.stmts.db.transaction(() => {
        const pos = this.#positions(scope, q);
        return summaryFromRows(this.stmts.all<SummaryRow>(this.sql.summary(scope, q, pos)));
      })();
    });
  }

  async *users(): AsyncIterable<string> {
    const rows = this.#guard("users", () =>
      this.stmts.all<{ user: string }>(this.sql.users(this.host, this.store)),
    );
    for (const r of rows) yield r.user;
  }
}
