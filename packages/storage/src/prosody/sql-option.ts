import { isAbsolute, join } from "node:path";
import { InvalidOptionError } from "../errors.js";
import { isPlainObject } from "../util/plain.js";

/** The drivers Prosody's `sql` option names (LuaDBI's). */
export type SqlDriverName = "SQLite3" | "PostgreSQL" | "MySQL";

/** Prosody's `sql` option, checked, with an SQLite3 `database` made absolute. */
export interface SqlParams {
  driver: SqlDriverName;
  /** The SQLite3 file (absolute), or the PostgreSQL / MySQL database name. */
  database: string;
  host?: string | undefined;
  port?: number | undefined;
  username?: string | undefined;
  password?: string | undefined;
}

const DRIVERS: Readonly<Record<string, SqlDriverName>> = {
  sqlite3: "SQLite3",
  postgresql: "PostgreSQL",
  mysql: "MySQL",
};
const EXPECTED_DRIVERS = `"SQLite3", "PostgreSQL" or "MySQL"`;
const EXAMPLE = `{ driver = "SQLite3"; database = "prosody.sqlite" }`;
/** Prosody's SQLite3 file when `sql` leaves it out. */
export const DEFAULT_SQLITE_DATABASE = "prosody.sqlite";

function optionalString(sql: Record<string, unknown>, key: string, fail: (m: string) => never) {
  const value = sql[key];
  if (value === undefined) return undefined;
  if (typeof value !== "string") fail(`${key} must be a string (got ${describe(value)})`);
  return value;
}

function describe(value: unknown): string {
  if (typeof value === "string") return JSON.stringify(value);
  if (Array.isArray(value)) return "a list";
  if (value === null || value === undefined) return "nothing";
  return typeof value === "object" ? "a table" : `${typeof value} ${String(value)}`;
}

/**
 * Reads Prosody's `sql` option as Prosody does: absent means SQLite3 on `prosody.sqlite`; an
 * SQLite3 `database` is relative to `dataPath` (`:memory:` stays); PostgreSQL and MySQL need a
 * `database`. Driver names match without regard to case. Throws `invalid-option`.
 */
export function parseSqlOption(value: unknown, dataPath: string, host = "*"): SqlParams {
  const fail = (message: string): never => {
    throw new InvalidOptionError("sql", host, message);
  };
  if (value === undefined) return { driver: "SQLite3", database: join(dataPath, DEFAULT_SQLITE_DATABASE) };
  if (!isPlainObject(value)) return fail(`must be a table such as ${EXAMPLE} (got ${describe(value)})`);
  const sql = value as Record<string, unknown>;
  if (sql.driver === undefined) return fail(`needs a driver: ${EXPECTED_DRIVERS}, as in ${EXAMPLE}`);
  const driver = typeof sql.driver === "string" ? DRIVERS[sql.driver.toLowerCase()] : undefined;
  if (driver === undefined) return fail(`driver must be ${EXPECTED_DRIVERS} (got ${describe(sql.driver)})`);
  let database = sql.database;
  if (database === undefined && driver === "SQLite3") database = DEFAULT_SQLITE_DATABASE;
  if (typeof database !== "string" || database === "") {
    const what = driver === "SQLite3" ? "the SQLite3 file" : `the name of the ${driver} database`;
    return fail(`database must be ${what}, a non-empty string (got ${describe(database)})`);
  }
  if (driver === "SQLite3" && database !== ":memory:" && !isAbsolute(database)) {
    database = join(dataPath, database);
  }
  let port = sql.port;
  if (typeof port === "string" && /^\d+$/.test(port)) port = Number(port);
  if (
    port !== undefined &&
    (typeof port !== "number" || !Number.isInteger(port) || port < 1 || port > 65535)
  ) {
    fail(`port must be a whole number from 1 to 65535 (got ${describe(sql.port)})`);
  }
  return {
    driver,
    database: database as string,
    host: optionalString(sql, "host", fail),
    port: port as number | undefined,
    username: optionalString(sql, "username", fail),
    password: optionalString(sql, "password", fail),
  };
}

/** One key per distinct connection, so hosts with the same `sql` share one driver (as in Prosody). */
export function sqlParamsKey(params: SqlParams): string {
  const { driver, database, host, port, username, password } = params;
  return JSON.stringify([driver, database, host, port, username, password]);
}
