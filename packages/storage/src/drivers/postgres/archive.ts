import type pg from "pg";
import { decodeValue, encodeValue } from "../../codec.js";
import { ItemNotFoundError, QuotaLimitError } from "../../errors.js";
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
import { findResult } from "../../util/find-result.js";
import { asStorageError, type Lifecycle } from "../../util/lifecycle.js";
import { setOwn } from "../../util/plain.js";
import {
  validateArchiveKey,
  validateQuery,
  validateUser,
  validateWhen,
  validateWith,
} from "../../validate.js";

interface Row {
  key: string;
  when: number;
  with: string | null;
  type: string;
  value: string;
}

type Queryable = pg.Pool | pg.PoolClient;

async function rows<T>(db: Queryable, st: Statement): Promise<T[]> {
  return (await db.query(st.sql, st.params)).rows as T[];
}

function toItem(r: Row): ArchiveItem {
  return { key: r.key, value: decodeValue(r.type, r.value), when: Number(r.when), with: r.with ?? undefined };
}

/** An archive in a PostgreSQL table, through `pg`. Writes run in transactions. */
export class PostgresArchive implements ArchiveStore {
  readonly caps: ArchiveCaps;

  constructor(
    private readonly pool: pg.Pool,
    private readonly sql: ArchiveSql,
    private readonly host: string,
    private readonly store: string,
    private readonly life: Lifecycle,
    private readonly clock: Clock,
    private readonly newKey: () => string,
    private readonly itemLimit: number | undefined,
    private readonly maxValueSize: number,
  ) {
    this.caps = {
      total: true,
      quota: itemLimit,
      truncate: true,
      full_id_range: true,
      ids: true,
      wildcard_delete: false,
    };
  }

  #scope(user: User): Scope {
    return { host: this.host, user: validateUser(user) ?? "", store: this.store };
  }

  async #guard<T>(what: string, fn: () => Promise<T>): Promise<T> {
    this.life.check();
    try {
      return await fn();
    } catch (err) {
      throw asStorageError(err, `postgres archive ${what}`);
    }
  }

  async #transaction<T>(fn: (client: pg.PoolClient) => Promise<T>): Promise<T> {
    const client = await this.pool.connect();
    try {
      await client.query("BEGIN");
      const result = await fn(client);
      await client.query("COMMIT");
      return result;
    } catch (err) {
      await client.query("ROLLBACK").catch(() => {});
      throw err;
    } finally {
      client.release();
    }
  }

  async #positions(db: Queryable, scope: Scope, q: { before?: string; after?: string }): Promise<Positions> {
    const pos: Positions = {};
    for (const side of ["after", "before"] as const) {
      const key = q[side];
      if (key === undefined) continue;
      const [row] = await rows<{ sort_id: string }>(db, this.sql.position(scope, key));
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
      const prepared = items.map((item) => ({
        key: item.key === undefined ? this.newKey() : validateArchiveKey(item.key),
        when: item.when === undefined ? this.clock() / 1000 : validateWhen(item.when),
        with: validateWith(item.with),
        ...encodeValue(item.value, this.maxValueSize),
      }));
      await this.#transaction(async (client) => {
        let count = 0;
        if (this.itemLimit !== undefined) {
          // Serialise quota checks of one archive across clients.
          await client.query("SELECT pg_advisory_xact_lock(hashtext($1))", [
            JSON.stringify([scope.host, scope.user, scope.store]),
          ]);
          count = Number((await rows<{ n: string }>(client, this.sql.count(scope, {})))[0]?.n ?? 0);
        }
        for (const r of prepared) {
          const del = this.sql.deleteKey(scope, r.key);
          const replaced = ((await client.query(del.sql, del.params)).rowCount ?? 0) > 0;
          if (this.itemLimit !== undefined && !replaced) {
            if (count >= this.itemLimit) throw new QuotaLimitError(this.itemLimit);
            count++;
          }
          const ins = this.sql.insert(scope, r.key, r.when, r.with, r.type, r.text);
          await client.query(ins.sql, ins.params);
        }
      });
      return prepared.map((r) => r.key);
    });
  }

  find(user: User, query?: ArchiveQuery): Promise<FindResult> {
    return this.#guard("find", async () => {
      const scope = this.#scope(user);
      const q = validateQuery<ArchiveQuery>(query);
      const pos = await this.#positions(this.pool, scope, q);
      const [items, total] = await Promise.all([
        q.limit === 0 ? [] : rows<Row>(this.pool, this.sql.find(scope, q, pos)),
        q.total
          ? rows<{ n: string }>(this.pool, this.sql.count(scope, q)).then((r) => Number(r[0]?.n ?? 0))
          : undefined,
      ]);
      return findResult(items.map(toItem), total);
    });
  }

  get(user: User, key: string): Promise<ArchiveItem | undefined> {
    return this.#guard("get", async () => {
      const [row] = await rows<Row>(this.pool, this.sql.get(this.#scope(user), validateArchiveKey(key)));
      return row ? toItem(row) : undefined;
    });
  }

  set(user: User, key: string, value: StoredValue, when?: number, with_?: string): Promise<void> {
    return this.#guard("set", async () => {
      const scope = this.#scope(user);
      validateArchiveKey(key);
      const { type, text } = encodeValue(value, this.maxValueSize);
      const w = when === undefined ? undefined : validateWhen(when);
      const st = this.sql.update(scope, key, type, text, w, validateWith(with_));
      const result = await this.pool.query(st.sql, st.params);
      if (!result.rowCount) throw new ItemNotFoundError(`no archived item with key ${JSON.stringify(key)}`);
    });
  }

  delete(user: User, query?: ArchiveDeleteQuery): Promise<number> {
    return this.#guard("delete", async () => {
      const scope = this.#scope(user);
      const q = validateQuery<ArchiveDeleteQuery>(query);
      return this.#transaction(async (client) => {
        const pos = await this.#positions(client, scope, q);
        const st = this.sql.delete(scope, q, pos);
        return (await client.query(st.sql, st.params)).rowCount ?? 0;
      });
    });
  }

  summary(user: User, query?: ArchiveQuery): Promise<ArchiveSummary> {
    return this.#guard("summary", async () => {
      const scope = this.#scope(user);
      const q = validateQuery<ArchiveQuery>(query);
      const pos = await this.#positions(this.pool, scope, q);
      const out: ArchiveSummary = { counts: {}, earliest: {}, latest: {} };
      for (const r of await rows<{ with: string | null; n: string; lo: number; hi: number }>(
        this.pool,
        this.sql.summary(scope, q, pos),
      )) {
        const w = r.with ?? "";
        const seen = Object.hasOwn(out.counts, w);
        setOwn(out.counts, w, (seen ? out.counts[w]! : 0) + Number(r.n));
        setOwn(out.earliest, w, seen ? Math.min(out.earliest[w]!, Number(r.lo)) : Number(r.lo));
        setOwn(out.latest, w, seen ? Math.max(out.latest[w]!, Number(r.hi)) : Number(r.hi));
      }
      return out;
    });
  }

  async *users(): AsyncIterable<string> {
    const found = await this.#guard("users", () =>
      rows<{ user: string }>(this.pool, this.sql.users(this.host, this.store)),
    );
    for (const r of found) yield r.user;
  }
}
