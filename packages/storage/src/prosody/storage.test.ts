import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Database from "better-sqlite3";
import { afterAll, describe, expect, it } from "vitest";
import { createMemoryDriver } from "../drivers/memory/driver.js";
import { createSqliteDriver } from "../drivers/sqlite/driver.js";
import { StorageManager } from "../manager.js";
import type { StorageDriver } from "../types.js";
import { createSqlDriver, postgresUri, prosodyStorage } from "./storage.js";

const dir = mkdtempSync(join(tmpdir(), "canto-prosody-storage-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

type Options = Record<string, Record<string, unknown>>;

/** A manager wired as the canto facade wires it, over per-host options `{ "*": {...}, host: {...} }`. */
function setup(opts: Options, data = dir) {
  const option = (host: string, name: string) => opts[host]?.[name] ?? opts["*"]?.[name];
  const sqlite = createSqliteDriver({ path: join(data, "canto.sqlite") });
  const made: StorageDriver[] = [];
  const prosody = prosodyStorage({
    dataPath: data,
    option,
    internal: sqlite,
    createSqlDriver: (params) => {
      const driver = createSqlDriver(params);
      made.push(driver);
      return driver;
    },
  });
  const manager = new StorageManager({
    drivers: { sqlite, memory: createMemoryDriver(), ...prosody.drivers },
    resolver: prosody.resolver,
    hostOptions: (host) => ({
      storage: option(host, "storage") as never,
      default_storage: option(host, "default_storage") as never,
    }),
  });
  const opened: string[] = [];
  manager.hook("store-opened", (e) => void opened.push(`${e.host}/${e.storeName}:${e.driver}`));
  return { manager, prosody, sqlite, opened, made };
}

function tables(file: string): string[] {
  const db = new Database(file, { readonly: true });
  try {
    return (
      db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name").all() as {
        name: string;
      }[]
    ).map((r) => r.name);
  } finally {
    db.close();
  }
}

describe("Prosody's storage names", () => {
  it('storage = "sql" with an SQLite3 table writes into that file, relative to the data path', async () => {
    const data = join(dir, "a");
    const { manager } = setup(
      { "*": { storage: "sql", sql: { driver: "SQLite3", database: "prosody.sqlite" } } },
      data,
    );
    const kv = await manager.open("localhost", "accounts");
    await kv.set("juliet", { password: "x" });
    const archive = await manager.open("localhost", "archive", "archive");
    await archive.append("juliet", "k1", { body: "hi" }, 1, "romeo@localhost");
    await manager.close();
    const db = new Database(join(data, "prosody.sqlite"), { readonly: true });
    expect(
      db.prepare(`SELECT "value" FROM "canto_keyv" WHERE "key" LIKE '%accounts:juliet'`).pluck().get(),
    ).toBe('{"password":"x"}');
    expect(db.prepare(`SELECT "key", "with" FROM "canto_archive"`).all()).toEqual([
      { key: "k1", with: "romeo@localhost" },
    ]);
    db.close();
  });

  it("storage absent or internal is Canto's default store (SQLite in the data path)", async () => {
    const { manager, sqlite, opened } = setup({ "*": {}, "b.example": { storage: "internal" } });
    expect(manager.driverName("a.example", "roster")).toBe("sqlite");
    expect(manager.driverName("b.example", "roster")).toBe("internal");
    const kv = await manager.open("b.example", "roster");
    await kv.set("romeo", { a: 1 });
    expect(manager.getDriver("internal")).toBe(sqlite);
    expect(await (await manager.open("a.example", "roster")).get("romeo")).toBeUndefined();
    expect(opened).toEqual(["b.example/roster:internal", "a.example/roster:sqlite"]);
    await manager.close();
  });

  it("a per-store table picks sql for some stores and default_storage for the rest", async () => {
    const data = join(dir, "c");
    const { manager, opened } = setup(
      {
        "*": {
          storage: { archive: "sql", roster: "internal", cache: "memory" },
          default_storage: "sql",
          sql: { driver: "SQLite3", database: "other.db" },
        },
      },
      data,
    );
    for (const [store, type] of [
      ["archive", "archive"],
      ["roster", "keyval"],
      ["cache", "keyval"],
      ["vcard", "keyval"],
    ] as const) {
      await manager.open("localhost", store, type);
    }
    expect(opened).toEqual([
      "localhost/archive:sql",
      "localhost/roster:internal",
      "localhost/cache:memory",
      "localhost/vcard:sql",
    ]);
    await manager.close();
    expect(tables(join(data, "other.db"))).toEqual(["canto_archive", "canto_keyv"]);
  });

  it("hosts with the same sql table share one driver; a host's own table gets its own", async () => {
    const data = join(dir, "d");
    const { manager, made } = setup(
      {
        "*": { storage: "sql", sql: { driver: "SQLite3", database: "shared.db" } },
        "own.example": { sql: { driver: "SQLite3", database: "own.db" } },
      },
      data,
    );
    await (await manager.open("a.example", "s")).set("u", { host: "a" });
    await (await manager.open("b.example", "s")).set("u", { host: "b" });
    await (await manager.open("own.example", "s")).set("u", { host: "own" });
    expect(made).toHaveLength(2);
    await manager.close();
    const shared = new Database(join(data, "shared.db"), { readonly: true });
    expect(shared.prepare(`SELECT COUNT(*) FROM "canto_keyv"`).pluck().get()).toBe(2);
    shared.close();
    const own = new Database(join(data, "own.db"), { readonly: true });
    expect(own.prepare(`SELECT "value" FROM "canto_keyv"`).pluck().all()).toEqual(['{"host":"own"}']);
    own.close();
  });

  it("never touches Prosody's own prosody and prosodyarchive tables in the same file", async () => {
    const data = join(dir, "e");
    const { manager } = setup(
      { "*": { storage: "sql", sql: { driver: "SQLite3", database: "prosody.sqlite" } } },
      data,
    );
    // Prosody 0.12's schema, with one row each, as a Prosody server leaves them.
    const seed = createSqliteDriver({ path: join(data, "prosody.sqlite") });
    await seed.close();
    const db = new Database(join(data, "prosody.sqlite"));
    db.exec(`CREATE TABLE "prosody" ("host" TEXT, "user" TEXT, "store" TEXT, "key" TEXT, "type" TEXT, "value" TEXT);
      CREATE TABLE "prosodyarchive" ("sort_id" INTEGER PRIMARY KEY AUTOINCREMENT, "host" TEXT, "user" TEXT, "store" TEXT, "key" TEXT, "when" INTEGER, "with" TEXT, "type" TEXT, "value" TEXT);
      INSERT INTO "prosody" VALUES ('localhost', 'juliet', 'accounts', 'password', 'string', 'old');
      INSERT INTO "prosodyarchive" ("host","user","store","key","when","with","type","value") VALUES ('localhost','juliet','archive','a1',1,'romeo@localhost','xml','<message/>');`);
    db.close();
    await (await manager.open("localhost", "accounts")).set("juliet", { password: "new" });
    const archive = await manager.open("localhost", "archive", "archive");
    await archive.append("juliet", "a1", { body: "canto" }, 2);
    expect([...(await archive.find("juliet"))].map((i) => i.value)).toEqual([{ body: "canto" }]);
    await manager.close();
    const after = new Database(join(data, "prosody.sqlite"), { readonly: true });
    expect(after.prepare(`SELECT "value" FROM "prosody"`).pluck().all()).toEqual(["old"]);
    expect(after.prepare(`SELECT "key", "value" FROM "prosodyarchive"`).all()).toEqual([
      { key: "a1", value: "<message/>" },
    ]);
    after.close();
    expect(tables(join(data, "prosody.sqlite"))).toEqual(
      expect.arrayContaining(["canto_archive", "canto_keyv", "prosody", "prosodyarchive"]),
    );
  });

  it("none finds nothing and refuses writes; null refuses everything", async () => {
    const { manager } = setup({ "*": { storage: { a: "none", b: "null" } } });
    const none = await manager.open("localhost", "a");
    expect(await none.get("u")).toBeUndefined();
    await expect(none.set("u", { x: 1 })).rejects.toMatchObject({ code: "storage-disabled" });
    const noneArchive = await manager.open("localhost", "a", "archive");
    expect([...(await noneArchive.find("u"))]).toEqual([]);
    expect(await noneArchive.delete("u")).toBe(0);
    await expect(noneArchive.append("u", undefined, 1)).rejects.toMatchObject({ code: "storage-disabled" });
    const nul = await manager.open("localhost", "b");
    await expect(nul.get("u")).rejects.toMatchObject({
      code: "storage-disabled",
      message: expect.stringContaining('"null"'),
    });
    await expect((await manager.open("localhost", "b", "archive")).find("u")).rejects.toMatchObject({
      code: "storage-disabled",
    });
    await manager.close();
  });

  it("a bad sql table rejects open, and check() finds it only on hosts that use sql", async () => {
    const { manager, prosody } = setup({
      "*": { sql: { driver: "Oracle", database: "x" } },
      "sql.example": { storage: { archive: "sql" } },
      "default.example": { default_storage: "sql" },
      "internal.example": { storage: "internal" },
    });
    await expect(manager.open("sql.example", "archive", "archive")).rejects.toMatchObject({
      code: "invalid-option",
      message:
        'option "sql" on host "sql.example": driver must be "SQLite3", "PostgreSQL" or "MySQL" (got "Oracle")',
    });
    expect(() => prosody.check("sql.example")).toThrow(/option "sql"/);
    expect(() => prosody.check("default.example")).toThrow(/option "sql"/);
    expect(() => prosody.check("internal.example")).not.toThrow();
    expect(() => prosody.check("*")).not.toThrow();
    await manager.close();
  });

  it("an SQLite3 file that cannot be opened rejects driver-error naming the file and the option", async () => {
    const blocker = join(dir, "a-file");
    writeFileSync(blocker, "");
    const database = join(blocker, "x.db"); // its folder is a file
    const { manager } = setup({ "*": { storage: "sql", sql: { driver: "SQLite3", database } } });
    await expect(manager.open("localhost", "x")).rejects.toMatchObject({
      code: "driver-error",
      message: expect.stringContaining(`opening the SQLite3 database ${database} (option "sql") failed`),
    });
    await manager.close();
  });

  it("an unknown name lists the names that are known, sql among them", async () => {
    const { manager } = setup({ "*": { storage: "sql3" } });
    await expect(manager.open("localhost", "x")).rejects.toMatchObject({
      code: "unknown-driver",
      message: 'no storage driver named "sql3" (registered: sqlite, memory, internal, none, null, sql)',
    });
    await manager.close();
  });
});

describe("postgresUri", () => {
  it("builds pg's URI from Prosody's parameters", () => {
    expect(
      postgresUri({
        driver: "PostgreSQL",
        database: "test",
        host: "127.0.0.1",
        port: 5432,
        username: "postgres",
      }),
    ).toBe("postgresql://postgres@127.0.0.1:5432/test");
    expect(postgresUri({ driver: "PostgreSQL", database: "my db", username: "a@b", password: "p:w" })).toBe(
      "postgresql://a%40b:p%3Aw@localhost/my%20db",
    );
    expect(postgresUri({ driver: "PostgreSQL", database: "d", host: "::1" })).toBe("postgresql://[::1]/d");
    expect(postgresUri({ driver: "PostgreSQL", database: "d", host: "/var/run/postgresql" })).toBe(
      "postgresql:///d?host=%2Fvar%2Frun%2Fpostgresql",
    );
  });
});
