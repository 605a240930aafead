import { rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, bench, describe } from "vitest";
import { createSqliteDriver } from "./drivers/sqlite/driver.js";
import { StorageManager } from "./manager.js";

const path = join(tmpdir(), `canto-bench-keyval-${process.pid}.sqlite`);
const driver = createSqliteDriver({ path });
const manager = new StorageManager({ drivers: { sqlite: driver }, storage: "sqlite" });
const kv = await manager.open("example.com", "accounts");
const doc = {
  password: "hunter2",
  iteration_count: 4096,
  salt: "c2FsdA==",
  stored_key: "a".repeat(28),
  server_key: "b".repeat(28),
};
for (let i = 0; i < 1000; i++) await kv.set(`user${i}`, { ...doc, i });

// The baseline: raw better-sqlite3 prepared statements on the same table and the same keys.
const db = driver.database;
const rawGet = db.prepare(`SELECT "value" FROM canto_keyv WHERE "key" = ?`).pluck();
const rawSet = db.prepare(
  `INSERT INTO canto_keyv ("key", "value") VALUES (?, ?) ON CONFLICT ("key") DO UPDATE SET "value" = excluded."value"`,
);
const ns = "example.com/accounts:";
let i = 0;

describe("sqlite keyval get", () => {
  bench("raw better-sqlite3 (prepared SELECT + JSON.parse)", () => {
    JSON.parse(rawGet.get(`${ns}user${i++ % 1000}`) as string);
  });
  bench("@canto/storage kv.get", async () => {
    await kv.get(`user${i++ % 1000}`);
  });
});

describe("sqlite keyval set", () => {
  bench("raw better-sqlite3 (prepared UPSERT + JSON.stringify)", () => {
    rawSet.run(`${ns}user${i++ % 1000}`, JSON.stringify({ ...doc, i }));
  });
  bench("@canto/storage kv.set", async () => {
    await kv.set(`user${i++ % 1000}`, { ...doc, i });
  });
});

afterAll(async () => {
  await manager.close();

  for (const suffix of ["", "-wal", "-shm"]) rmSync(path + suffix, { force: true });
});
