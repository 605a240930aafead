import { mkdtempSync, rmSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Worker } from "node:worker_threads";
import { afterEach, describe, expect, it } from "vitest";
import { createSqliteDriver } from "./driver.js";
import { enableWal } from "./wal.js";

const busy = () => Object.assign(new Error("database is locked"), { code: "SQLITE_BUSY" });

describe("enableWal", () => {
  it("retries while SQLite answers SQLITE_BUSY", () => {
    let calls = 0;
    enableWal(
      {
        pragma: () => {
          calls++;
          if (calls < 4) throw busy();
          return [{ journal_mode: "wal" }];
        },
      },
      1000,
    );
    expect(calls).toBe(4);
  });

  it("gives up with SQLite's error once the busy timeout has passed", () => {
    let calls = 0;
    const start = Date.now();
    expect(() =>
      enableWal(
        {
          pragma: () => {
            calls++;
            throw busy();
          },
        },
        50,
      ),
    ).toThrow(expect.objectContaining({ code: "SQLITE_BUSY" }));
    expect(Date.now() - start).toBeGreaterThanOrEqual(45);
    expect(calls).toBeGreaterThan(1);
  });

  it("does not retry other errors", () => {
    let calls = 0;
    const error = Object.assign(new Error("disk I/O error"), { code: "SQLITE_IOERR" });
    expect(() =>
      enableWal(
        {
          pragma: () => {
            calls++;
            throw error;
          },
        },
        1000,
      ),
    ).toThrow(error);
    expect(calls).toBe(1);
  });
});

describe("opening a database another connection is writing", () => {
  const dirs: string[] = [];
  afterEach(() => {
    for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
  });

  it("waits for the write lock instead of failing to switch to WAL", async () => {
    const dir = mkdtempSync(join(tmpdir(), "canto-wal-"));
    dirs.push(dir);
    const path = join(dir, "canto.sqlite");
    const betterSqlite = createRequire(import.meta.url).resolve("better-sqlite3");
    // A second connection, in rollback-journal mode, holding a write transaction for 300 ms: this
    // made the journal-mode switch fail at once with SQLITE_BUSY (CI, two `adduser` runs).
    const worker = new Worker(
      `const Database = require(${JSON.stringify(betterSqlite)});
       const { parentPort } = require("node:worker_threads");
       const db = new Database(${JSON.stringify(path)});
       db.exec("CREATE TABLE early (x)");
       db.exec("BEGIN IMMEDIATE");
       db.exec("INSERT INTO early VALUES (1)");
       parentPort.postMessage("locked");
       const end = Date.now() + 300;
       while (Date.now() < end) {}
       db.exec("COMMIT");
       db.close();`,
      { eval: true },
    );
    await new Promise((resolve) => worker.once("message", resolve));
    const started = Date.now();
    const driver = createSqliteDriver({ path });
    expect(Date.now() - started).toBeGreaterThan(100);
    expect(driver.database.pragma("journal_mode", { simple: true })).toBe("wal");
    await worker.terminate();
    await driver.close();
  });
});
