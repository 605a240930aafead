import type { Pool, PoolConnection, ResultSetHeader } from "mysql2/promise";
import { DriverError } from "../../errors.js";
import type { Statement } from "../../sql/archive-sql.js";
import type { SqlPool, SqlRunner } from "../../sql/pool.js";

/** How long a transaction waits for another client's advisory lock, in seconds. */
const LOCK_WAIT = 30;

function runner(db: Pool | PoolConnection): SqlRunner {
  return {
    all: async <T>(st: Statement) => (await db.query(st.sql, st.params))[0] as T[],
    // mysql2 asks for CLIENT_FOUND_ROWS: an UPDATE that changes nothing still counts its row.
    run: async (st: Statement) => ((await db.query(st.sql, st.params))[0] as ResultSetHeader).affectedRows,
  };
}

/**
 * A mysql2 pool as the SQL stores use it. MySQL's advisory locks (`GET_LOCK`) belong to the
 * connection, not the transaction: taken before it begins, released after it ends. They are also
 * server-wide, so `lockScope` (the database and tables) keeps other deployments on the same server
 * out of our way; names are at most 64 characters, so the name is hashed.
 */
export function mysqlSqlPool(pool: Pool, lockScope: string): SqlPool {
  return {
    ...runner(pool),
    async transaction(fn, lock) {
      const conn = await pool.getConnection();
      let locked = false;
      const name = `${lockScope}\u0000${lock}`;
      try {
        if (lock !== undefined) {
          const [rows] = await conn.query("SELECT GET_LOCK(SHA2(?, 256), ?) AS l", [name, LOCK_WAIT]);
          if ((rows as { l: number | null }[])[0]?.l !== 1) {
            throw new DriverError(`waited ${LOCK_WAIT} s for the MySQL lock on ${lock}`, undefined);
          }
          locked = true;
        }
        await conn.beginTransaction();
        try {
          const result = await fn(runner(conn));
          await conn.commit();
          return result;
        } catch (err) {
          await conn.rollback().catch(() => {});
          throw err;
        }
      } finally {
        if (locked) await conn.query("SELECT RELEASE_LOCK(SHA2(?, 256))", [name]).catch(() => {});
        conn.release();
      }
    },
    end: () => pool.end(),
  };
}
