import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parseSqlOption } from "./sql-option.js";

const data = "/var/lib/prosody";

describe("parseSqlOption (Prosody's sql table)", () => {
  it("defaults to SQLite3 on prosody.sqlite in the data path when the option is absent", () => {
    expect(parseSqlOption(undefined, data)).toEqual({
      driver: "SQLite3",
      database: join(data, "prosody.sqlite"),
    });
  });

  it("resolves an SQLite3 database against the data path, leaving absolute paths and :memory: alone", () => {
    expect(parseSqlOption({ driver: "SQLite3", database: "prosody.sqlite" }, data).database).toBe(
      join(data, "prosody.sqlite"),
    );
    expect(parseSqlOption({ driver: "SQLite3", database: "sub/x.db" }, data).database).toBe(
      join(data, "sub/x.db"),
    );
    expect(parseSqlOption({ driver: "SQLite3", database: "/srv/x.db" }, data).database).toBe("/srv/x.db");
    expect(parseSqlOption({ driver: "SQLite3", database: ":memory:" }, data).database).toBe(":memory:");
    expect(parseSqlOption({ driver: "SQLite3" }, data).database).toBe(join(data, "prosody.sqlite"));
  });

  it("keeps the server parameters of PostgreSQL and MySQL, and reads driver names in any case", () => {
    const pg = {
      driver: "PostgreSQL",
      database: "prosody",
      host: "db",
      port: 5433,
      username: "u",
      password: "p",
    };
    expect(parseSqlOption(pg, data)).toEqual(pg);
    expect(parseSqlOption({ driver: "mysql", database: "prosody", port: "3307" }, data)).toEqual({
      driver: "MySQL",
      database: "prosody",
      port: 3307,
      host: undefined,
      username: undefined,
      password: undefined,
    });
    expect(parseSqlOption({ driver: "sqlite3" }, data).driver).toBe("SQLite3");
  });

  const bad: [string, unknown, RegExp][] = [
    [
      "a string",
      "sqlite",
      /^option "sql": must be a table such as \{ driver = "SQLite3"; database = "prosody\.sqlite" \} \(got "sqlite"\)$/,
    ],
    ["a list", ["SQLite3"], /must be a table .* \(got a list\)/],
    ["no driver", { database: "x" }, /^option "sql": needs a driver: "SQLite3", "PostgreSQL" or "MySQL"/],
    [
      "an unknown driver",
      { driver: "Oracle", database: "x" },
      /^option "sql": driver must be "SQLite3", "PostgreSQL" or "MySQL" \(got "Oracle"\)$/,
    ],
    ["a driver that is not a string", { driver: 3 }, /driver must be .* \(got number 3\)/],
    [
      "PostgreSQL without a database",
      { driver: "PostgreSQL", host: "db" },
      /^option "sql": database must be the name of the PostgreSQL database, a non-empty string \(got nothing\)$/,
    ],
    [
      "MySQL with an empty database",
      { driver: "MySQL", database: "" },
      /database must be the name of the MySQL database, a non-empty string \(got ""\)/,
    ],
    [
      "SQLite3 with a table as database",
      { driver: "SQLite3", database: {} },
      /database must be the SQLite3 file, a non-empty string \(got a table\)/,
    ],
    [
      "a port out of range",
      { driver: "MySQL", database: "x", port: 70000 },
      /port must be a whole number from 1 to 65535 \(got number 70000\)/,
    ],
    [
      "a port that is not a number",
      { driver: "MySQL", database: "x", port: "http" },
      /port must be .* \(got "http"\)/,
    ],
    [
      "a host that is not a string",
      { driver: "PostgreSQL", database: "x", host: 5 },
      /host must be a string \(got number 5\)/,
    ],
    [
      "a password that is not a string",
      { driver: "MySQL", database: "x", password: true },
      /password must be a string/,
    ],
  ];
  for (const [what, value, message] of bad) {
    it(`refuses ${what} with invalid-option naming the option`, () => {
      expect(() => parseSqlOption(value, data)).toThrow(
        expect.objectContaining({
          code: "invalid-option",
          option: "sql",
          message: expect.stringMatching(message),
        }),
      );
    });
  }

  it("names the host whose sql table is wrong", () => {
    expect(() => parseSqlOption({ driver: "Oracle" }, data, "example.com")).toThrow(
      /^option "sql" on host "example\.com": driver must be/,
    );
  });
});
