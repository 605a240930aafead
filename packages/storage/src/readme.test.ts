import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parse } from "ltx";
import { afterAll, expect, it } from "vitest";
import { createMemoryDriver, createSqliteDriver, REMOVE, StorageManager } from "./index.js";

const dir = mkdtempSync(join(tmpdir(), "canto-readme-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

it("runs the README's standalone example", async () => {
  const storage = new StorageManager({
    drivers: { sqlite: createSqliteDriver({ dataDir: join(dir, "data") }), memory: createMemoryDriver() },
    storage: { cache: "memory" },
    defaultStorage: "sqlite",
  });
  expect(storage.driverName("example.com", "cache")).toBe("memory");
  expect(storage.driverName("example.com", "accounts")).toBe("sqlite");

  const accounts = await storage.open("example.com", "accounts");
  await accounts.set("juliet", { password: "s3cret", created: 1700000000 });
  expect(await accounts.get("juliet")).toEqual({ password: "s3cret", created: 1700000000 });
  await accounts.set("juliet", undefined);
  expect(await accounts.get("juliet")).toBeUndefined();

  const roster = await storage.open("example.com", "roster", "map");
  await roster.set("juliet", "romeo@example.net", { subscription: "both" });
  await roster.setKeys("juliet", {
    "nurse@example.com": { subscription: "to" },
    "tybalt@example.com": REMOVE,
  });
  expect(await roster.getAll("romeo@example.net")).toEqual({ juliet: { subscription: "both" } });

  const opened: string[] = [];
  storage.hook("store-opened", (e) => void opened.push(`${e.host} ${e.storeName} ${e.storeType}`));
  const mam = await storage.open("example.com", "archive", "archive");
  expect(opened).toEqual(["example.com archive archive"]);
  const first = await mam.append(
    "juliet",
    undefined,
    parse("<message><body>Hi</body></message>"),
    1,
    "romeo@example.net",
  );
  const key = await mam.append(
    "juliet",
    undefined,
    parse("<message><body>Bye</body></message>"),
    2,
    "romeo@example.net",
  );
  const page = await mam.find("juliet", {
    with: "romeo@example.net",
    before: key,
    reverse: true,
    limit: 50,
    total: true,
  });
  expect([...page].map((i) => [i.key, i.when, String(i.value)])).toEqual([
    [first, 1, "<message><body>Hi</body></message>"],
  ]);
  expect(page.total).toBe(2);
  await storage.close();
});
