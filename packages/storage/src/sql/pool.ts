import type { Statement } from "./archive-sql.js";

/** A connection (or the pool) as the SQL stores run statements on it. */
export interface SqlRunner {
  /** The rows a query returns. */
  all<T>(st: Statement): Promise<T[]>;
  /** Runs a write; resolves to the number of rows it matched. */
  run(st: Statement): Promise<number>;
}

/**
 * A pool of connections to a server database, as the SQL stores need it: what differs between
 * PostgreSQL and MySQL (transactions, advisory locks, result shapes) stays behind this.
 */
export interface SqlPool extends SqlRunner {
  /**
   * Runs `fn` on one connection inside a transaction, committed when it resolves and rolled back
   * when it throws. With `lock`, holds an advisory lock on that name until the end, so clients
   * doing the same for that name run one after another.
   */
  transaction<T>(fn: (tx: SqlRunner) => Promise<T>, lock?: string): Promise<T>;
  end(): Promise<void>;
}
