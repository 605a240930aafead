import { afterEach, describe, expect, it } from "vitest";
import type { TestServer } from "../testing.js";
import { withModule } from "./helpers.test-helper.js";

let current: TestServer | undefined;
afterEach(async () => {
  await current?.stop();
  current = undefined;
});

async function moduleWith(options: Record<string, unknown>, hostOptions: Record<string, unknown> = {}) {
  const t = await withModule(() => {}, {
    config: { ...options, hosts: { localhost: hostOptions } } as never,
  });
  current = t;
  return t.module;
}

describe("module:get_option() → getOption", () => {
  it("reads the host's value, else the global one, else the default", async () => {
    const m = await moduleWith({ a: "global", b: "global-b" }, { a: "host" });
    expect(m.getOption("a")).toBe("host");
    expect(m.getOption("b")).toBe("global-b");
    expect(m.getOption("c", 42)).toBe(42);
    expect(m.getOption("c")).toBeUndefined();
  });
});

// Prosody's core_moduleapi_spec coercion table: each raw value read through each typed getter.
describe("module:get_option_<type>() coercion (core_moduleapi_spec)", () => {
  const table: [string, unknown, { string?: unknown; number?: unknown; boolean?: unknown }][] = [
    ["nil", undefined, { string: undefined, number: undefined, boolean: undefined }],
    ["true", true, { string: "true", number: undefined, boolean: true }],
    ["false", false, { string: "false", number: undefined, boolean: false }],
    ['"true"', "true", { string: "true", number: undefined, boolean: true }],
    ['"false"', "false", { string: "false", number: undefined, boolean: false }],
    ["1", 1, { string: "1", number: 1, boolean: true }],
    ["0", 0, { string: "0", number: 0, boolean: false }],
    ['"1"', "1", { string: "1", number: 1, boolean: undefined }],
    ['"hello"', "hello", { string: "hello", number: undefined, boolean: undefined }],
    ["{0,1,2,3}", [0, 1, 2, 3], { string: "0", number: 0, boolean: false }],
  ];
  it.each(table)("%s", async (_label, raw, expected) => {
    const m = await moduleWith(raw === undefined ? {} : { opt: raw });
    expect(m.getOptionString("opt")).toBe(expected.string);
    expect(m.getOptionNumber("opt")).toBe(expected.number);
    expect(m.getOptionBoolean("opt")).toBe(expected.boolean);
  });

  it("arrays keep the list; sets remove duplicates", async () => {
    const m = await moduleWith({ list: [1, 2, 3, 3, 4], one: "x" });
    expect(m.getOptionArray("list")).toEqual([1, 2, 3, 3, 4]);
    expect([...m.getOptionSet("list", [])]).toEqual([1, 2, 3, 4]);
    expect(m.getOptionArray("one")).toEqual(["x"]);
  });
});

describe("typed option getters", () => {
  it("getOptionInteger drops the fraction and clamps to the interval", async () => {
    const m = await moduleWith({ n: 7.9, big: 5000 });
    expect(m.getOptionInteger("n", 0)).toBe(7);
    expect(m.getOptionInteger("big", 0, 0, 1000)).toBe(1000);
  });

  it("getOptionPeriod parses durations and gives Infinity for never", async () => {
    const m = await moduleWith({ keep: "1 week", never: "never", off: false });
    expect(m.getOptionPeriod("keep", 0)).toBe(604800);
    expect(m.getOptionPeriod("never", 0)).toBe(Infinity);
    expect(m.getOptionPeriod("off", 60)).toBe(Infinity);
    expect(m.getOptionPeriod("unset", "2 days")).toBe(172800);
  });

  it("getOptionEnum accepts the listed values only", async () => {
    const m = await moduleWith({ on_conflict: "kick_new", bad: "explode" });
    expect(m.getOptionEnum("on_conflict", "kick_old", "kick_new", "increment")).toBe("kick_new");
    expect(m.getOptionEnum("unset", "kick_old", "kick_new")).toBe("kick_old");
    expect(["kick_old", "explode"]).toContain(m.getOptionEnum("bad", "kick_old", "kick_new"));
  });

  it("getOptionInheritedSet is the union of global and host values", async () => {
    const m = await moduleWith({ admins: ["a@x"] }, { admins: ["b@x"] });
    expect([...m.getOptionInheritedSet("admins", [])].sort()).toEqual(["a@x", "b@x"]);
  });

  it("getOptionPath resolves relative paths against the data directory when asked", async () => {
    const m = await moduleWith({ data_path: "/var/lib/canto", cert: "certs/x.pem" });
    expect(m.getOptionPath("cert", undefined, "data")).toBe("/var/lib/canto/certs/x.pem");
  });
});
