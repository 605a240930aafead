import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { connect } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { loadConfig } from "@canto/config";
import { createSqlDriver, parseSqlOption, StorageManager } from "@canto/storage";
import pino from "pino";
import { afterAll, describe, expect, it } from "vitest";
import { createServer } from "./create-server.js";

const dir = mkdtempSync(join(tmpdir(), "canto-prosody-cfg-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Whether something accepts TCP connections on 127.0.0.1:port. */
function listening(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: "127.0.0.1", port });
    const done = (up: boolean) => {
      socket.destroy();
      resolve(up);
    };
    socket.setTimeout(1000, () => done(false));
    socket.once("error", () => done(false));
    socket.once("connect", () => done(true));
  });
}

const pgUp = await listening(5432);
const mysqlUp = await listening(3306);

/** A host of its own per run, so rows in a shared database never meet another run's. */
const host = `run${process.pid}-${Date.now().toString(36)}.localhost`;

/** What a Prosody 0.12 operator's prosody.cfg.lua says about storage, with the given `sql` table. */
function prosodyConfig(folder: string, sql: string): string {
  return `-- Prosody Configuration File (storage part of a plain deployment)
admins = { }
modules_enabled = {
  "probe";
}
data_path = "${folder}/data"

-- Storage: the SQL driver, as https://prosody.im/doc/storage describes.
storage = "sql"
sql = ${sql}

VirtualHost "${host}"
`;
}

/** Starts a server on the config file; its `probe` module writes a keyval and an archive store. */
async function writeThroughModules(file: string): Promise<void> {
  const server = await createServer({
    config: await loadConfig(file),
    logger: pino({ level: "silent" }),
    modules: {
      probe: async (module) => {
        const accounts = await module.openStore("accounts");
        await accounts.set("juliet", { password: "balcony" });
        const archive = await module.openStore("archive", "archive");
        await archive.append(
          "juliet",
          "msg-1",
          { body: "wherefore art thou" },
          1700000000,
          "romeo@localhost",
        );
      },
    },
  });
  await server.start();
  expect(server.manager.isLoaded(host, "probe")).toBe(true);
  expect(server.storage.driverName(host, "accounts")).toBe("sql");
  await server.stop();
}

/** Opens the `sql` table's database again, on its own, and reads back what the module wrote. */
async function readBack(sqlTable: unknown, dataPath: string, clean = false) {
  const params = parseSqlOption(sqlTable, dataPath);
  const manager = new StorageManager({ drivers: { sql: createSqlDriver(params) }, storage: "sql" });
  try {
    const accounts = await manager.open(host, "accounts");
    const archive = await manager.open(host, "archive", "archive");
    const found = {
      account: await accounts.get("juliet"),
      archive: [...(await archive.find("juliet"))].map((i) => [i.key, i.value, i.when, i.with]),
    };
    if (clean) {
      await accounts.set("juliet", undefined);
      await archive.delete("juliet");
    }
    return found;
  } finally {
    await manager.close();
  }
}

const expected = {
  account: { password: "balcony" },
  archive: [["msg-1", { body: "wherefore art thou" }, 1700000000, "romeo@localhost"]],
};

describe('a prosody.cfg.lua with storage = "sql" runs unchanged', () => {
  it("SQLite3: the stores live in the file `database` names, under data_path", async () => {
    const folder = join(dir, "sqlite");
    const file = join(folder, "prosody.cfg.lua");
    rmSync(folder, { recursive: true, force: true });
    mkdirSync(folder, { recursive: true });
    writeFileSync(file, prosodyConfig(folder, `{ driver = "SQLite3"; database = "prosody.sqlite" }`));
    await writeThroughModules(file);
    expect(existsSync(join(folder, "data", "prosody.sqlite"))).toBe(true);
    expect(await readBack({ driver: "SQLite3", database: "prosody.sqlite" }, join(folder, "data"))).toEqual(
      expected,
    );
    // Canto's own default file holds none of it.
    const internal = new StorageManager({
      drivers: {
        sqlite: createSqlDriver({ driver: "SQLite3", database: join(folder, "data", "canto.sqlite") }),
      },
    });
    expect(await (await internal.open(host, "accounts")).get("juliet")).toBeUndefined();
    await internal.close();
  });

  it("a bad sql table stops createServer with the option named and what was expected", async () => {
    const folder = join(dir, "bad");
    mkdirSync(folder, { recursive: true });
    const file = join(folder, "prosody.cfg.lua");
    writeFileSync(file, prosodyConfig(folder, `{ driver = "PostgreSQL"; host = "127.0.0.1" }`));
    await expect(
      createServer({ config: await loadConfig(file), logger: pino({ level: "silent" }) }),
    ).rejects.toMatchObject({
      code: "invalid-option",
      message:
        'option "sql": database must be the name of the PostgreSQL database, a non-empty string (got nothing)',
    });
  });

  const servers = [
    {
      name: "PostgreSQL (127.0.0.1:5432, database test)",
      up: pgUp,
      table: `{ driver = "PostgreSQL"; database = "test"; host = "127.0.0.1"; port = 5432; username = "postgres" }`,
      sql: { driver: "PostgreSQL", database: "test", host: "127.0.0.1", port: 5432, username: "postgres" },
    },
    {
      name: "MySQL (MariaDB on 127.0.0.1:3306, database test)",
      up: mysqlUp,
      table: `{ driver = "MySQL"; database = "test"; host = "127.0.0.1"; port = 3306; username = "root"; password = "" }`,
      sql: {
        driver: "MySQL",
        database: "test",
        host: "127.0.0.1",
        port: 3306,
        username: "root",
        password: "",
      },
    },
  ];
  for (const { name, up, table, sql } of servers) {
    it.skipIf(!up)(`${name}: the stores live in that database`, async () => {
      const folder = join(dir, sql.driver);
      mkdirSync(folder, { recursive: true });
      const file = join(folder, "prosody.cfg.lua");
      writeFileSync(file, prosodyConfig(folder, table));
      await writeThroughModules(file);
      expect(await readBack(sql, folder, true)).toEqual(expected);
    });
  }
});
