import { decodeJson, encodeJson } from "../codec.js";
import { keyvKey } from "../drivers/keyv/keyval.js";
import type { AtomicDocumentUpdate } from "../shims/map-over-keyval.js";
import { asStorageError } from "../util/lifecycle.js";
import { validateUser } from "../validate.js";
import type { KeyvTableSql } from "./archive-sql.js";
import type { SqlPool } from "./pool.js";

/**
 * Map writes on a server database: read, change and write one Keyv document in a transaction
 * holding an advisory lock on its key, so other clients cannot interleave. (Keyv stores our JSON
 * text as is, under `namespace:key`.)
 */
export function sqlDocumentUpdate(
  label: string,
  pool: SqlPool,
  sql: KeyvTableSql,
  whenReady: () => Promise<void>,
  maxValueSize: number,
): (namespace: string) => AtomicDocumentUpdate {
  return (namespace) => async (user, change) => {
    const key = `${namespace}:${keyvKey(validateUser(user))}`;
    await whenReady();
    try {
      await pool.transaction(async (tx) => {
        const text = (await tx.all<{ value: string | null }>(sql.get(key)))[0]?.value;
        const next = change(text === undefined || text === null ? undefined : decodeJson(text));
        await tx.run(next === undefined ? sql.delete(key) : sql.set(key, encodeJson(next, maxValueSize)));
      }, key);
    } catch (err) {
      throw asStorageError(err, `${label} map update`);
    }
  };
}
