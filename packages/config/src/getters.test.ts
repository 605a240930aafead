import { describe, expect, expectTypeOf, it } from "vitest";
import { Config } from "./config.js";
import { ConfigDefaultError } from "./errors.js";
import type { ConfigLogger, OptionReader } from "./getters.js";
import { createConfig } from "./load.js";
import { parseLuaConfig } from "./lua/evaluate.js";
import type { OptionValue } from "./types.js";

function recorder() {
  const lines: { level: "warn" | "error"; message: string }[] = [];
  const logger: ConfigLogger = {
    // The getters always pass one preformatted string.
    warn: (message: object | string) => lines.push({ level: "warn", message: String(message) }),
    error: (message: object | string) => lines.push({ level: "error", message: String(message) }),
  };
  return { lines, logger };
}

/** A reader of the global section where `opt` is `value`. */
function reader(value: OptionValue | undefined) {
  const { lines, logger } = recorder();
  const config = createConfig(value === undefined ? {} : { opt: value }, { logger });
  return { options: config.options("*"), lines };
}

// Ported from Prosody's spec/core_moduleapi_spec.lua ("#get_option_*()"): what number, string,
// boolean, array and set make of each kind of value. Prosody returns nil for an invalid value;
// so does Canto when no default is given.
describe("the core_moduleapi_spec coercion table", () => {
  interface Expected {
    number?: number;
    string?: string;
    boolean?: boolean;
    array?: OptionValue[];
    set?: OptionValue[];
  }
  const cases: [string, OptionValue | undefined, Expected][] = [
    ["nil", undefined, {}],
    ["true", true, { boolean: true, string: "true", array: [true], set: [true] }],
    ["false", false, { boolean: false, string: "false", array: [false], set: [false] }],
    ['"true"', "true", { boolean: true, string: "true", array: ["true"], set: ["true"] }],
    ['"false"', "false", { boolean: false, string: "false", array: ["false"], set: ["false"] }],
    ["1", 1, { boolean: true, string: "1", array: [1], set: [1], number: 1 }],
    ["0", 0, { boolean: false, string: "0", array: [0], set: [0], number: 0 }],
    ['"hello world"', "hello world", { string: "hello world", array: ["hello world"], set: ["hello world"] }],
    ["1234", 1234, { string: "1234", number: 1234, array: [1234], set: [1234] }],
    ["{1, 2, 3}", [1, 2, 3], { boolean: true, string: "1", number: 1, array: [1, 2, 3], set: [1, 2, 3] }],
    [
      "{1, 2, 3, 3, 4}",
      [1, 2, 3, 3, 4],
      { boolean: true, string: "1", number: 1, array: [1, 2, 3, 3, 4], set: [1, 2, 3, 4] },
    ],
    [
      "{0, 1, 2, 3}",
      [0, 1, 2, 3],
      { boolean: false, string: "0", number: 0, array: [0, 1, 2, 3], set: [0, 1, 2, 3] },
    ],
  ];
  it.each(cases)("%s", (_, value, expected) => {
    const { options } = reader(value);
    expect(options.getOptionNumber("opt")).toBe(expected.number);
    expect(options.getOptionString("opt")).toBe(expected.string);
    expect(options.getOptionBoolean("opt")).toBe(expected.boolean);
    expect(options.getOptionArray("opt")).toEqual(expected.array);
    expect(options.getOptionSet("opt")).toEqual(expected.set && new Set(expected.set));
  });
});

describe("getOption", () => {
  it("returns tables by reference and the default when unset", () => {
    const table = { a: 1 };
    const config = createConfig({ t: table });
    expect(config.options("*").getOption("t")).toBe(table);
    expect(config.options("*").getOption("missing", 5)).toBe(5);
  });
});

describe("scalars from lists", () => {
  it("use the first item and log when there are more", () => {
    const { options, lines } = reader(["a", "b"]);
    expect(options.getOptionString("opt")).toBe("a");
    expect(lines).toEqual([
      { level: "error", message: expect.stringContaining("does not take a list, using just the first item") },
    ]);
  });
  it("an empty list gives the default", () => {
    const { options, lines } = reader([]);
    expect(options.getOptionString("opt", "d")).toBe("d");
    expect(options.getOptionNumber("opt", 3)).toBe(3);
    expect(lines).toEqual([]);
  });
});

describe("getOptionNumber", () => {
  it.each([
    ["0x10", 16],
    [" 12 ", 12],
    ["1e3", 1000],
    ["-2.5", -2.5],
  ])("reads the string %j as Lua's tonumber does", (value, number) => {
    expect(reader(value).options.getOptionNumber("opt")).toBe(number);
  });

  it.each([true, "twelve", "0x", { a: 1 }])("logs %j and returns the default", (value) => {
    const { options, lines } = reader(value as OptionValue);
    expect(options.getOptionNumber("opt", 7)).toBe(7);
    expect(lines[0]?.level).toBe("error");
    expect(lines[0]?.message).toContain("expecting a number");
  });

  it("never crashes on an invalid value with a default and bounds (Prosody's bug)", () => {
    const { options } = reader("not a number");
    expect(options.getOptionNumber("opt", 10, 1, 100)).toBe(10);
  });

  it("clamps with a warning, but never the default", () => {
    const low = reader(-5);
    expect(low.options.getOptionNumber("opt", 10, 0, 100)).toBe(0);
    expect(low.lines).toEqual([
      {
        level: "warn",
        message: "Config option 'opt' in the global section (set in code): out of bounds -5 < 0, using 0",
      },
    ]);
    const high = reader(500);
    expect(high.options.getOptionNumber("opt", 10, 0, 100)).toBe(100);
    expect(high.lines[0]?.message).toContain("out of bounds 500 > 100, using 100");
    expect(reader(undefined).options.getOptionNumber("opt", 1000, 0, 100)).toBe(1000);
    expect(reader(1000).options.getOptionNumber("opt", 1000, 0, 100)).toBe(1000);
  });
});

describe("getOptionInteger", () => {
  it.each([
    [2.7, 2],
    [-2.7, -3],
    ["7", 7],
    [5, 5],
  ])("%j → %d", (value, expected) => {
    expect(reader(value).options.getOptionInteger("opt")).toBe(expected);
  });

  it("warns when dropping a fraction", () => {
    const { options, lines } = reader(2.7);
    options.getOptionInteger("opt");
    expect(lines[0]).toEqual({
      level: "warn",
      message: expect.stringContaining("expected an integer, not a float (2.7)"),
    });
  });

  it("clamps and never crashes on an invalid value with a default", () => {
    expect(reader(5000).options.getOptionInteger("opt", 0, 0, 1000)).toBe(1000);
    expect(reader("x").options.getOptionInteger("opt", 3)).toBe(3);
  });
});

describe("getOptionBoolean", () => {
  it.each(["yes", "1", "TRUE", 2, { a: true }])("refuses %j, logging, and returns the default", (value) => {
    const { options, lines } = reader(value as OptionValue);
    expect(options.getOptionBoolean("opt", true)).toBe(true);
    expect(lines[0]?.message).toContain("expecting true/false");
  });
});

describe("getOptionArray and getOptionSet", () => {
  it("keep only the array part of a table", () => {
    expect(reader({ a: 1 }).options.getOptionArray("opt")).toEqual([]);
    expect(reader({ "1": "x", "2": "y", a: 1 }).options.getOptionArray("opt")).toEqual(["x", "y"]);
  });
  it("copy the value and the default", () => {
    const list = ["a"];
    const config = createConfig({ opt: list });
    const copy = config.options("*").getOptionArray("opt");
    expect(copy).toEqual(list);
    expect(copy).not.toBe(list);
    const fallback = ["d"];
    expect(config.options("*").getOptionArray("missing", fallback)).not.toBe(fallback);
    expect(config.options("*").getOptionSet("missing", fallback)).toEqual(new Set(["d"]));
  });
});

describe("getOptionInheritedSet", () => {
  const config = createConfig({
    admins: ["root@a"],
    hosts: { "a.example": { admins: ["alice@a", "root@a"] }, "b.example": {} },
  });
  it("unites the host's set with the global one", () => {
    expect(config.options("a.example").getOptionInheritedSet("admins")).toEqual(
      new Set(["alice@a", "root@a"]),
    );
  });
  it("returns either when the other is unset", () => {
    expect(config.options("b.example").getOptionInheritedSet("admins")).toEqual(new Set(["root@a"]));
    const hostOnly = createConfig({ hosts: { h: { x: ["1"] } } });
    expect(hostOnly.options("h").getOptionInheritedSet("x")).toEqual(new Set(["1"]));
    expect(hostOnly.options("h").getOptionInheritedSet("y")).toBeUndefined();
    expect(hostOnly.options("*").getOptionInheritedSet("x", ["d"])).toEqual(new Set(["d"]));
  });
});

describe("getOptionPath", () => {
  const config = createConfig(
    { rel: "certs/key.pem", abs: "/etc/ssl/key.pem", dotted: "./x" },
    { paths: { config: "/etc/canto", data: "/var/lib/canto", source: "/usr/lib/canto" } },
  );
  const options = config.options("*", { moduleDir: "/usr/lib/canto/modules/mod_x" });
  it.each([
    ["rel", "config", "/etc/canto/certs/key.pem"],
    ["rel", "data", "/var/lib/canto/certs/key.pem"],
    ["rel", "source", "/usr/lib/canto/certs/key.pem"],
    ["rel", "/srv/", "/srv/certs/key.pem"],
    ["rel", undefined, "/usr/lib/canto/modules/mod_x/certs/key.pem"],
    ["abs", "config", "/etc/ssl/key.pem"],
    ["dotted", "config", "/etc/canto/x"],
  ])("%s against %s", (name, parent, expected) => {
    expect(options.getOptionPath(name, undefined, parent)).toBe(expected);
  });
  it("resolves the default too, and returns undefined without one", () => {
    expect(options.getOptionPath("missing", "default.db", "data")).toBe("/var/lib/canto/default.db");
    expect(options.getOptionPath("missing")).toBeUndefined();
  });
  it("defaults data to data_path beside the config", () => {
    const c = createConfig({ data_path: "store" }, { paths: { config: "/etc/canto" } });
    expect(c.options("*").getOptionPath("x", "f", "data")).toBe("/etc/canto/store/f");
  });
});

describe("getOptionEnum", () => {
  it("accepts the default and the alternatives, exactly", () => {
    expect(reader("kick_new").options.getOptionEnum("opt", "kick_old", "kick_new", "increment")).toBe(
      "kick_new",
    );
    expect(reader(undefined).options.getOptionEnum("opt", "kick_old", "kick_new")).toBe("kick_old");
    expect(reader(["increment"]).options.getOptionEnum("opt", "kick_old", "increment")).toBe("increment");
  });
  it("rejects anything else (types included), logging, with the default", () => {
    const { options, lines } = reader("1");
    expect(options.getOptionEnum("opt", 0, 1, 2)).toBe(0);
    expect(lines[0]?.message).toContain('"1" is not in the set of allowed values (one of: 0, 1, 2)');
  });
});

describe("getOptionPeriod", () => {
  it.each([
    ["3 weeks", 1_814_400],
    ["1 hr", 3600],
    ["10 mins", 600],
    ["1 day 12 hours", 129_600],
    ["1.5 hours", 5400],
    [90, 90],
    ["never", Number.POSITIVE_INFINITY],
    [false, Number.POSITIVE_INFINITY],
    [-1, Number.POSITIVE_INFINITY],
    [["2 days"], 172_800],
  ])("%j → %d seconds", (value, seconds) => {
    expect(reader(value).options.getOptionPeriod("opt")).toBe(seconds);
  });

  it("parses string defaults and applies bounds, even to the default, with a warning", () => {
    const { options, lines } = reader(undefined);
    expect(options.getOptionPeriod("opt", "1 day")).toBe(86_400);
    expect(options.getOptionPeriod("opt", "1 day", "1h", "2h")).toBe(7200);
    expect(lines[0]?.level).toBe("warn");
    expect(reader("10s").options.getOptionPeriod("opt", 60, 30)).toBe(30);
    expect(reader("never").options.getOptionPeriod("opt", 60, 30, 100)).toBe(Number.POSITIVE_INFINITY);
  });

  it.each(["1m", "1 ms", "60"])(
    "refuses the ambiguous %j naming option, host, file and line, and keeps the default",
    (value) => {
      const { lines, logger } = recorder();
      const data = parseLuaConfig(
        `VirtualHost "example.org"\n  cleanup_period = "${value}"\n`,
        "/etc/canto/x.cfg.lua",
      );
      const config = new Config(data, { logger });
      expect(config.options("example.org").getOptionPeriod("cleanup_period", "1 day")).toBe(86_400);
      expect(lines).toHaveLength(1);
      expect(lines[0]?.level).toBe("error");
      expect(lines[0]?.message).toMatch(
        /^Config option 'cleanup_period' for host 'example.org' \(\/etc\/canto\/x\.cfg\.lua:2\): .*(ambiguous|without a unit)/,
      );
    },
  );

  it("names the global section when a host inherits the value", () => {
    const { lines, logger } = recorder();
    const data = parseLuaConfig('p = "soon"\nVirtualHost "h"\n', "/etc/canto/x.cfg.lua");
    expect(new Config(data, { logger }).options("h").getOptionPeriod("p")).toBeUndefined();
    expect(lines[0]?.message).toContain(
      "Config option 'p' for host 'h' (inherited from the global section) (/etc/canto/x.cfg.lua:1)",
    );
  });

  it("refuses other types", () => {
    const { options, lines } = reader(true);
    expect(options.getOptionPeriod("opt", 5)).toBe(5);
    expect(lines[0]?.message).toContain("expects a number or a period");
  });

  it("throws on an invalid default or bound: a programming error", () => {
    const { options } = reader(undefined);
    expect(() => options.getOptionPeriod("opt", "1m")).toThrow(ConfigDefaultError);
    expect(() => options.getOptionPeriod("opt", 5, "soon")).toThrow(ConfigDefaultError);
  });
});

describe("types", () => {
  const options = createConfig({}).options("*");
  it("narrow with a default", () => {
    expectTypeOf(options.getOptionString("x")).toEqualTypeOf<string | undefined>();
    expectTypeOf(options.getOptionString("x", "d")).toEqualTypeOf<string>();
    expectTypeOf(options.getOptionNumber("x", 1, 0, 2)).toEqualTypeOf<number>();
    expectTypeOf(options.getOptionInteger("x")).toEqualTypeOf<number | undefined>();
    expectTypeOf(options.getOptionBoolean("x", false)).toEqualTypeOf<boolean>();
    expectTypeOf(options.getOptionArray<string>("x", [])).toEqualTypeOf<string[]>();
    expectTypeOf(options.getOptionSet<string>("x", [])).toEqualTypeOf<Set<string>>();
    expectTypeOf(options.getOptionInheritedSet<string>("x")).toEqualTypeOf<Set<string> | undefined>();
    expectTypeOf(options.getOptionPath("x", "f", "data")).toEqualTypeOf<string>();
    expectTypeOf(options.getOptionEnum("x", "a", "b", "c")).toEqualTypeOf<"a" | "b" | "c">();
    expectTypeOf(options.getOptionPeriod("x", "1 day")).toEqualTypeOf<number>();
    expectTypeOf(options.getOptionPeriod("x")).toEqualTypeOf<number | undefined>();
    expectTypeOf<OptionReader["host"]>().toEqualTypeOf<string>();
  });
});
