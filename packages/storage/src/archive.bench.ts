import { existsSync, renameSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parse } from "ltx";
import { afterAll, bench, describe } from "vitest";
import { createSqliteDriver } from "./drivers/sqlite/driver.js";
import { StorageManager } from "./manager.js";
import type { ArchiveQuery } from "./types.js";
import { uuidv7Generator } from "./util/uuid7.js";

const N = 1_000_000;
const CONTACTS = 20;
const HOST = "example.com";
const USER = "alice";
const FIXTURE = join(tmpdir(), `canto-bench-archive-${N}-v1.sqlite`);

const message = (i: number) =>
  `<message xmlns="jabber:client" type="chat" id="m${i}" from="c${i % CONTACTS}@example.net/phone" to="alice@example.com"><body>Message number ${i}, with a little text in it.</body><stanza-id xmlns="urn:xmpp:sid:0" by="alice@example.com" id="s${i}"/></message>`;

/** Builds the 1,000,000-message fixture once (one transaction) and caches it in tmpdir. */
function buildFixture(): void {
  if (existsSync(FIXTURE)) return;
  const started = performance.now();
  const tmp = `${FIXTURE}.${process.pid}.tmp`;
  const driver = createSqliteDriver({ path: tmp });
  const db = driver.database;
  const insert = db.prepare(
    `INSERT INTO canto_archive ("host", "user", "store", "key", "when", "with", "type", "value") VALUES (?, ?, ?, ?, ?, ?, 'xml', ?)`,
  );
  const newKey = uuidv7Generator();
  const t0 = 1_700_000_000;
  db.transaction(() => {
    for (let i = 0; i < N; i++)
      insert.run(HOST, USER, "archive", newKey(), t0 + i, `c${i % CONTACTS}@example.net`, message(i));
  })();
  db.pragma("wal_checkpoint(TRUNCATE)");
  void driver.close();
  rmSync(`${tmp}-wal`, { force: true });
  rmSync(`${tmp}-shm`, { force: true });
  renameSync(tmp, FIXTURE);
  console.log(
    `built ${N}-message fixture in ${((performance.now() - started) / 1000).toFixed(1)} s: ${FIXTURE}`,
  );
}

buildFixture();
const manager = new StorageManager({
  drivers: { sqlite: createSqliteDriver({ path: FIXTURE }) },
  storage: "sqlite",
});
const archive = await manager.open(HOST, "archive", "archive");
const db = (manager.getDriver("sqlite") as ReturnType<typeof createSqliteDriver>).database;
// Keys spread over the whole archive, to page back from.
const probeKeys = (
  db.prepare(`SELECT "key" FROM canto_archive WHERE "sort_id" % 997 = 0`).pluck().all() as string[]
).slice(0, 1000);
let next = 0;
const someKey = () => probeKeys[next++ % probeKeys.length]!;
const contact = () => `c${next % CONTACTS}@example.net`;

const pages: Record<string, () => ArchiveQuery> = {
  "before a key, reverse": () => ({ before: someKey(), reverse: true, limit: 50 }),
  "with a contact, reverse (newest page)": () => ({ with: contact(), reverse: true, limit: 50 }),
  "before a key + with a contact, reverse": () => ({
    before: someKey(),
    with: contact(),
    reverse: true,
    limit: 50,
  }),
  "after a key (forward)": () => ({ after: someKey(), limit: 50 }),
};

// p50/p99 with our own timer (vitest's table shows p75/p99 but no median).
const report: string[] = [];
for (const [name, query] of Object.entries(pages)) {
  for (let i = 0; i < 200; i++) await archive.find(USER, query()); // warm up
  const samples: number[] = [];
  for (let i = 0; i < 3000; i++) {
    const q = query();
    const t = performance.now();
    const page = await archive.find(USER, q);
    samples.push(performance.now() - t);
    if (page.items.length !== 50) throw new Error(`expected 50 items, got ${page.items.length}`);
  }
  samples.sort((a, b) => a - b);
  const pct = (p: number) =>
    samples[Math.min(samples.length - 1, Math.floor((p / 100) * samples.length))]!.toFixed(3);
  report.push(`  ${name.padEnd(42)} p50 ${pct(50)} ms   p99 ${pct(99)} ms`);
}
console.log(`50-item pages from a ${N}-message SQLite archive:\n${report.join("\n")}`);

describe(`sqlite archive, ${N} messages: 50-item page`, () => {
  for (const [name, query] of Object.entries(pages)) {
    bench(name, async () => {
      await archive.find(USER, query());
    });
  }
});

const scratchPath = join(tmpdir(), `canto-bench-append-${process.pid}.sqlite`);
const scratch = new StorageManager({
  drivers: { sqlite: createSqliteDriver({ path: scratchPath }) },
  storage: "sqlite",
});
const appendTo = await scratch.open(HOST, "archive", "archive");
const stanza = parse(message(1));
const batch = Array.from({ length: 100 }, () => ({ value: stanza, with: "bob@example.net" }));

describe("sqlite archive append (items per second = hz, x100 for the batch)", () => {
  bench("append one item (one transaction each)", async () => {
    await appendTo.append("bob", undefined, stanza, undefined, "c@example.net");
  });
  bench(
    "appendMany 100 items (one transaction)",
    async () => {
      await appendTo.appendMany("carol", batch);
    },
    {
      teardown: async () => {
        await appendTo.delete("carol");
      },
    },
  );
});

afterAll(async () => {
  await manager.close();
  await scratch.close();
  for (const suffix of ["", "-wal", "-shm"]) rmSync(scratchPath + suffix, { force: true });
});
