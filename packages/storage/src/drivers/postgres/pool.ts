import type pg from "pg";
import type { Statement } from "../../sql/archive-sql.js";
import type { SqlPool, SqlRunner } from "../../sql/pool.js";

function runner(db: pg.Pool | pg.PoolClient): SqlRunner {
  return {
    all: async <T>(st: Statement) => (await db.query(st.sql, st.params)).rows as T[],
    run: async (st: Statement) => (await db.query(st.sql, st.params)).rowCount ?? 0,
  };
}

/** A `pg` pool as the SQL stores use it; advisory locks are transaction-scoped. */
export function pgSqlPool(pool: pg.Pool): SqlPool {
  return {
    ...runner(pool),
    async transaction(fn, lock) {
      const client = await pool.connect();
      try {
        await client.query("BEGIN");
        if (lock !== undefined) await client.query("SELECT pg_advisory_xact_lock(hashtext($1))", [lock]);
        const result = await fn(runner(client));
        await client.query("COMMIT");
        return result;
      } catch (err) {
        await client.query("ROLLBACK").catch(() => {});
        throw err;
      } finally {
        client.release();
      }
    },
    end: () => pool.end(),
  };
}
