import type Database from "better-sqlite3";

const pause = new Int32Array(new SharedArrayBuffer(4));

/**
 * Puts the database in WAL mode. SQLite answers SQLITE_BUSY at once, without its busy handler,
 * when another connection holds a write lock while this one needs to change the journal mode
 * (two `canto adduser` runs on a new data folder, or one next to the server), so the switch is
 * retried here with a growing pause until `timeoutMs` has passed.
 */
export function enableWal(db: Pick<Database.Database, "pragma">, timeoutMs: number, now = Date.now): void {
  const deadline = now() + timeoutMs;
  for (let wait = 2; ; wait = Math.min(wait * 2, 100)) {
    try {
      db.pragma("journal_mode = WAL");
      return;
    } catch (err) {
      if ((err as { code?: unknown }).code !== "SQLITE_BUSY" || now() >= deadline) throw err;
      // Synchronous on purpose: the driver is built synchronously and nothing can use it yet.
      Atomics.wait(pause, 0, 0, Math.min(wait, Math.max(1, deadline - now())));
    }
  }
}
