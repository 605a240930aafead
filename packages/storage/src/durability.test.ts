import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildPackage, packageDir as pkg } from "./build.test-helper.js";
import { createPostgresDriver } from "./drivers/postgres/driver.js";
import { probePostgres, TEST_POSTGRES_URL } from "./drivers/postgres/probe.js";
import { createSqliteDriver } from "./drivers/sqlite/driver.js";
import { StorageManager } from "./manager.js";
import type { StorageDriver } from "./types.js";

// Child processes run the built package (dist/), so build it first (incremental: fast when fresh).
const dist = pathToFileURL(join(pkg, "dist", "index.js")).href;
const dir = mkdtempSync(join(tmpdir(), "canto-durability-"));
const pgUp = await probePostgres();

beforeAll(buildPackage, 120_000);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const H = "example.com";

/** Starts a child that runs `body` with `open(type)` bound to a manager on the given driver. */
function child(driverExpr: string, body: string): ChildProcess {
  const file = join(dir, `child-${Math.random().toString(36).slice(2)}.mjs`);
  writeFileSync(
    file,
    `const s = await import(${JSON.stringify(dist)});
const driver = ${driverExpr};
const m = new s.StorageManager({ drivers: { d: driver }, storage: "d" });
const open = (store, type) => m.open(${JSON.stringify(H)}, store, type);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
${body}
await m.close();
`,
  );
  return spawn(process.execPath, [file], { stdio: ["ignore", "pipe", "inherit"] });
}

function lines(proc: ChildProcess, onLine: (line: string) => void): Promise<number | null> {
  let buf = "";
  proc.stdout!.on("data", (d: Buffer) => {
    buf += d.toString();
    let i = buf.indexOf("\n");
    while (i >= 0) {
      onLine(buf.slice(0, i));
      buf = buf.slice(i + 1);
      i = buf.indexOf("\n");
    }
  });
  return new Promise((res) => proc.on("exit", (code) => res(code)));
}

async function waitFor<T>(fn: () => Promise<T | undefined>, ms = 15_000): Promise<T> {
  const until = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (v !== undefined) return v;
    if (Date.now() > until) throw new Error("timed out");
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe("sqlite durability", () => {
  it("keeps every acknowledged write after kill -9 of the writer", async () => {
    const path = join(dir, "killed.sqlite");
    const proc = child(
      `s.createSqliteDriver({ path: ${JSON.stringify(path)} })`,
      `const kv = await open("durable");
const map = await open("durable", "map");
const ar = await open("durable", "archive");
for (let i = 0; ; i++) {
  await kv.set("user" + i, { i });
  await map.set("shared", "k" + i, i);
  await ar.appendMany("alice", [{ key: "a" + i, value: { i }, when: i }, { key: "b" + i, value: "x", when: i }]);
  process.stdout.write("ack " + i + "\\n");
}`,
    );
    let acked = -1;
    const exited = lines(proc, (line) => {
      if (line.startsWith("ack ")) acked = Number(line.slice(4));
      if (acked >= 300 && !proc.killed) proc.kill("SIGKILL");
    });
    expect(await exited).toBe(null);
    expect(acked).toBeGreaterThanOrEqual(300);

    const m = new StorageManager({ drivers: { sqlite: createSqliteDriver({ path }) }, storage: "sqlite" });
    const kv = await m.open(H, "durable");
    const map = await m.open(H, "durable", "map");
    const ar = await m.open(H, "durable", "archive");
    const all = await ar.find("alice", { total: true, limit: 0 });
    expect(all.total).toBeGreaterThanOrEqual(2 * (acked + 1));
    for (let i = 0; i <= acked; i++) {
      expect(await kv.get(`user${i}`)).toEqual({ i });
      expect(await map.get("shared", `k${i}`)).toBe(i);
      expect((await ar.get("alice", `a${i}`))?.value).toEqual({ i });
    }
    await m.close();
  }, 60_000);

  it("lets two processes on one file see each other's writes", async () => {
    const path = join(dir, "shared.sqlite");
    const m = new StorageManager({ drivers: { sqlite: createSqliteDriver({ path }) }, storage: "sqlite" });
    const proc = child(
      `s.createSqliteDriver({ path: ${JSON.stringify(path)} })`,
      `const kv = await open("shared");
const ar = await open("shared", "archive");
await ar.append("room", "child-msg", "hello from the child", 1);
await kv.set("from-child", { pid: process.pid });
for (let i = 0; i < 500 && (await kv.get("from-parent")) === undefined; i++) await sleep(20);
const page = await ar.find("room");
process.stdout.write(JSON.stringify({ parent: await kv.get("from-parent"), keys: page.items.map((x) => x.key) }) + "\\n");`,
    );
    let report: { parent: unknown; keys: string[] } | undefined;
    const exited = lines(proc, (line) => {
      report = JSON.parse(line);
    });
    const kv = await m.open(H, "shared");
    const ar = await m.open(H, "shared", "archive");
    const fromChild = await waitFor(() => kv.get("from-child"));
    expect(fromChild).toEqual({ pid: proc.pid });
    expect((await ar.get("room", "child-msg"))?.value).toBe("hello from the child");
    await ar.append("room", "parent-msg", "hello from the parent", 2);
    await kv.set("from-parent", { ok: true });
    expect(await exited).toBe(0);
    expect(report).toEqual({ parent: { ok: true }, keys: ["child-msg", "parent-msg"] });
    await m.close();
  }, 60_000);
});

describe("map writes from two processes", () => {
  it("lose no keys on one SQLite file", async () => {
    const path = join(dir, "map.sqlite");
    const m = new StorageManager({ drivers: { sqlite: createSqliteDriver({ path }) }, storage: "sqlite" });
    await expectNoLostKeys(m, `s.createSqliteDriver({ path: ${JSON.stringify(path)} })`);
    await m.close();
  }, 60_000);
});

/** Parent and child each set 150 keys of one user's map at the same time; all 300 must remain. */
async function expectNoLostKeys(m: StorageManager, driverExpr: string): Promise<void> {
  const map = await m.open(H, "contended", "map");
  const proc = child(
    driverExpr,
    `const map = await open("contended", "map");
process.stdout.write("ready\\n");
for (let i = 0; i < 150; i++) await map.set("shared", "child" + i, i);`,
  );
  let ready!: () => void;
  const started = new Promise<void>((r) => {
    ready = r;
  });
  const exited = lines(proc, (line) => line === "ready" && ready());
  await started;
  for (let i = 0; i < 150; i++) await map.set("shared", `parent${i}`, i);
  expect(await exited).toBe(0);
  const kv = await m.open(H, "contended");
  const doc = (await kv.get("shared")) as Record<string, number>;
  expect(Object.keys(doc).length).toBe(300);
}

describe.skipIf(!pgUp)(`postgres: two clients (skipped when no server at ${TEST_POSTGRES_URL})`, () => {
  const schema = `canto_test_dur_${process.pid}_${Date.now().toString(36)}`;
  let driver: StorageDriver;
  afterAll(async () => {
    await driver?.close();
    const client = new pg.Client({ connectionString: TEST_POSTGRES_URL });
    await client.connect();
    await client.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
    await client.end();
  });

  it("see each other's writes", async () => {
    driver = createPostgresDriver({ connectionString: TEST_POSTGRES_URL, schema });
    const m = new StorageManager({ drivers: { pg: driver }, storage: "pg" });
    const kv = await m.open(H, "shared");
    const ar = await m.open(H, "shared", "archive");
    const proc = child(
      `s.createPostgresDriver({ connectionString: ${JSON.stringify(TEST_POSTGRES_URL)}, schema: ${JSON.stringify(schema)} })`,
      `const kv = await open("shared");
const ar = await open("shared", "archive");
await ar.append("room", "child-msg", "hello from the child", 1);
await kv.set("from-child", { pid: process.pid });
for (let i = 0; i < 500 && (await kv.get("from-parent")) === undefined; i++) await sleep(20);
const page = await ar.find("room");
process.stdout.write(JSON.stringify({ parent: await kv.get("from-parent"), keys: page.items.map((x) => x.key) }) + "\\n");`,
    );
    let report: unknown;
    const exited = lines(proc, (line) => {
      report = JSON.parse(line);
    });
    expect(await waitFor(() => kv.get("from-child"))).toEqual({ pid: proc.pid });
    expect((await ar.get("room", "child-msg"))?.value).toBe("hello from the child");
    await ar.append("room", "parent-msg", "hello from the parent", 2);
    await kv.set("from-parent", { ok: true });
    expect(await exited).toBe(0);
    expect(report).toEqual({ parent: { ok: true }, keys: ["child-msg", "parent-msg"] });
  }, 60_000);

  it("lose no map keys when both write one user's map at once", async () => {
    const m = new StorageManager({
      drivers: { pg: createPostgresDriver({ connectionString: TEST_POSTGRES_URL, schema }) },
      storage: "pg",
    });
    await expectNoLostKeys(
      m,
      `s.createPostgresDriver({ connectionString: ${JSON.stringify(TEST_POSTGRES_URL)}, schema: ${JSON.stringify(schema)} })`,
    );
    await m.close();
  }, 60_000);
});
