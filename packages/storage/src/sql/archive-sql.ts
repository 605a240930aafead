import type { ArchiveDeleteQuery, ArchiveQuery } from "../types.js";

/** What differs between the SQL dialects the archive speaks. */
export interface SqlDialect {
  /** Placeholder for the n-th parameter (1-based). */
  param(n: number): string;
  /** `LIMIT` clause meaning "no limit" before an `OFFSET`. */
  limitAll: string;
  /** What follows `INSERT ... ("key", "value") VALUES (...)` to replace the value of an existing key. */
  upsertValue: string;
}

const ON_CONFLICT = `ON CONFLICT ("key") DO UPDATE SET "value" = excluded."value"`;
export const sqliteDialect: SqlDialect = { param: () => "?", limitAll: "LIMIT -1", upsertValue: ON_CONFLICT };
export const postgresDialect: SqlDialect = {
  param: (n) => `$${n}`,
  limitAll: "LIMIT ALL",
  upsertValue: ON_CONFLICT,
};
/** MySQL and MariaDB, on connections with `ANSI_QUOTES` (identifiers in double quotes). */
export const mysqlDialect: SqlDialect = {
  param: () => "?",
  // MySQL has no LIMIT ALL: its documentation's own idiom is the largest BIGINT UNSIGNED.
  limitAll: "LIMIT 18446744073709551615",
  upsertValue: `ON DUPLICATE KEY UPDATE "value" = VALUES("value")`,
};

/** Quotes an identifier, or a dotted path of them (`["schema", "table"]`). */
export function quoteIdent(name: string | readonly string[]): string {
  const parts = typeof name === "string" ? [name] : name;
  return parts.map((p) => `"${p.replace(/"/g, '""')}"`).join(".");
}

export interface Statement {
  sql: string;
  params: unknown[];
}

/** Scope of one archive: host, user ("" for host-level) and store. */
export interface Scope {
  host: string;
  user: string;
  store: string;
}

/** Sort ids that `after`/`before` resolved to. */
export interface Positions {
  after?: number | string | undefined;
  before?: number | string | undefined;
}

const COLUMNS = `"key", "when", "with", "type", "value"`;

/** Builds the archive's statements for one table. Identifiers are quoted; values are parameters. */
export class ArchiveSql {
  /** The quoted table name, e.g. `"canto_archive"` or `"schema"."canto_archive"`. */
  readonly table: string;
  constructor(
    table: string | readonly string[],
    private readonly d: SqlDialect,
  ) {
    this.table = quoteIdent(table);
  }

  #where(params: unknown[], scope: Scope, q: ArchiveQuery & ArchiveDeleteQuery, pos?: Positions): string {
    const p = (v: unknown) => {
      params.push(v);
      return this.d.param(params.length);
    };
    const c = [`"host" = ${p(scope.host)}`, `"user" = ${p(scope.user)}`, `"store" = ${p(scope.store)}`];
    if (q.start !== undefined) c.push(`"when" >= ${p(q.start)}`);
    if (q.end !== undefined) c.push(`"when" <= ${p(q.end)}`);
    if (q.with !== undefined) c.push(`"with" = ${p(q.with)}`);
    if (q.key !== undefined) c.push(`"key" = ${p(q.key)}`);
    if (q.ids !== undefined) {
      c.push(q.ids.length === 0 ? "0 = 1" : `"key" IN (${q.ids.map((id) => p(id)).join(", ")})`);
    }
    if (pos?.after !== undefined) c.push(`"sort_id" > ${p(pos.after)}`);
    if (pos?.before !== undefined) c.push(`"sort_id" < ${p(pos.before)}`);
    return c.join(" AND ");
  }

  position(scope: Scope, key: string): Statement {
    const params: unknown[] = [];
    const where = this.#where(params, scope, { key });
    return { sql: `SELECT "sort_id" FROM ${this.table} WHERE ${where}`, params };
  }

  find(scope: Scope, q: ArchiveQuery, pos: Positions): Statement {
    const params: unknown[] = [];
    const where = this.#where(params, scope, q, pos);
    let sql = `SELECT ${COLUMNS} FROM ${this.table} WHERE ${where} ORDER BY "sort_id" ${q.reverse ? "DESC" : "ASC"}`;
    if (q.limit !== undefined) {
      params.push(q.limit);
      sql += ` LIMIT ${this.d.param(params.length)}`;
    }
    return { sql, params };
  }

  count(scope: Scope, q: ArchiveQuery): Statement {
    const params: unknown[] = [];
    const where = this.#where(params, scope, q);
    return { sql: `SELECT COUNT(*) AS "n" FROM ${this.table} WHERE ${where}`, params };
  }

  get(scope: Scope, key: string): Statement {
    const params: unknown[] = [];
    const where = this.#where(params, scope, { key });
    return { sql: `SELECT ${COLUMNS} FROM ${this.table} WHERE ${where}`, params };
  }

  deleteKey(scope: Scope, key: string): Statement {
    const params: unknown[] = [];
    const where = this.#where(params, scope, { key });
    return { sql: `DELETE FROM ${this.table} WHERE ${where}`, params };
  }

  insert(
    scope: Scope,
    key: string,
    when: number,
    with_: string | undefined,
    type: string,
    value: string,
  ): Statement {
    const params = [scope.host, scope.user, scope.store, key, when, with_ ?? null, type, value];
    const ph = params.map((_, i) => this.d.param(i + 1)).join(", ");
    return {
      sql: `INSERT INTO ${this.table} ("host", "user", "store", "key", "when", "with", "type", "value") VALUES (${ph})`,
      params,
    };
  }

  update(
    scope: Scope,
    key: string,
    type: string,
    value: string,
    when: number | undefined,
    with_: string | undefined,
  ): Statement {
    const params: unknown[] = [type, value, when ?? null, with_ ?? null];
    const [a, b, c, e] = [1, 2, 3, 4].map((n) => this.d.param(n));
    const where = this.#where(params, scope, { key });
    return {
      sql: `UPDATE ${this.table} SET "type" = ${a}, "value" = ${b}, "when" = COALESCE(${c}, "when"), "with" = COALESCE(${e}, "with") WHERE ${where}`,
      params,
    };
  }

  delete(scope: Scope, q: ArchiveDeleteQuery, pos: Positions): Statement {
    const params: unknown[] = [];
    const where = this.#where(params, scope, q, pos);
    if (q.truncate === undefined) return { sql: `DELETE FROM ${this.table} WHERE ${where}`, params };
    params.push(q.truncate);
    // Keep the `truncate` newest (oldest with reverse): delete everything past them. The derived
    // table is for MySQL, which refuses a LIMIT inside IN and a subquery on the table it deletes from.
    const order = q.reverse ? "ASC" : "DESC";
    return {
      sql: `DELETE FROM ${this.table} WHERE "sort_id" IN (SELECT "sort_id" FROM (SELECT "sort_id" FROM ${this.table} WHERE ${where} ORDER BY "sort_id" ${order} ${this.d.limitAll} OFFSET ${this.d.param(params.length)}) AS "past")`,
      params,
    };
  }

  summary(scope: Scope, q: ArchiveQuery, pos: Positions): Statement {
    const params: unknown[] = [];
    const where = this.#where(params, scope, q, pos);
    return {
      sql: `SELECT "with", COUNT(*) AS "n", MIN("when") AS "lo", MAX("when") AS "hi" FROM ${this.table} WHERE ${where} GROUP BY "with"`,
      params,
    };
  }

  users(host: string, store: string): Statement {
    return {
      sql: `SELECT DISTINCT "user" FROM ${this.table} WHERE "host" = ${this.d.param(1)} AND "store" = ${this.d.param(2)} AND "user" <> ''`,
      params: [host, store],
    };
  }
}

/** DDL shared by both dialects (`sortId` is the dialect's auto-increment key column). */
export function archiveDdl(table: string, sortId: string, whenType: string): string[] {
  const t = quoteIdent(table);
  const i = (suffix: string) => quoteIdent(`${table}_${suffix}`);
  return [
    `CREATE TABLE IF NOT EXISTS ${t} (
      "sort_id" ${sortId},
      "host" TEXT NOT NULL,
      "user" TEXT NOT NULL,
      "store" TEXT NOT NULL,
      "key" TEXT NOT NULL,
      "when" ${whenType} NOT NULL,
      "with" TEXT,
      "type" TEXT NOT NULL,
      "value" TEXT NOT NULL
    )`,
    `CREATE UNIQUE INDEX IF NOT EXISTS ${i("key")} ON ${t} ("host", "user", "store", "key")`,
    `CREATE INDEX IF NOT EXISTS ${i("sort")} ON ${t} ("host", "user", "store", "sort_id")`,
    `CREATE INDEX IF NOT EXISTS ${i("with")} ON ${t} ("host", "user", "store", "with", "sort_id")`,
    `CREATE INDEX IF NOT EXISTS ${i("when")} ON ${t} ("host", "user", "store", "when")`,
  ];
}

/** The statements on a Keyv-layout table (`"key"` primary key, `"value"` text) for one dialect. */
export class KeyvTableSql {
  readonly table: string;
  constructor(
    table: string | readonly string[],
    private readonly d: SqlDialect,
  ) {
    this.table = quoteIdent(table);
  }
  get(key: string): Statement {
    return { sql: `SELECT "value" FROM ${this.table} WHERE "key" = ${this.d.param(1)}`, params: [key] };
  }
  set(key: string, value: string): Statement {
    const [a, b] = [this.d.param(1), this.d.param(2)];
    return {
      sql: `INSERT INTO ${this.table} ("key", "value") VALUES (${a}, ${b}) ${this.d.upsertValue}`,
      params: [key, value],
    };
  }
  delete(key: string): Statement {
    return { sql: `DELETE FROM ${this.table} WHERE "key" = ${this.d.param(1)}`, params: [key] };
  }
  /** Rows with keys in [from, to), in key order. */
  range(from: string, to: string): Statement {
    return {
      sql: `SELECT "key", "value" FROM ${this.table} WHERE "key" >= ${this.d.param(1)} AND "key" < ${this.d.param(2)} ORDER BY "key"`,
      params: [from, to],
    };
  }
  clearRange(from: string, to: string): Statement {
    return {
      sql: `DELETE FROM ${this.table} WHERE "key" >= ${this.d.param(1)} AND "key" < ${this.d.param(2)}`,
      params: [from, to],
    };
  }
}

/** Keys of a Keyv namespace are `ns:...`: the half-open range [`ns:`, `ns;`); no namespace is all. */
export function namespaceBounds(namespace: string | undefined): [string, string] {
  return namespace ? [`${namespace}:`, `${namespace};`] : ["", "\uffff"];
}
