import { Keyv } from "keyv";
import { describe, expect, it } from "vitest";
import { createMemoryDriver } from "./drivers/memory/driver.js";
import { StorageError } from "./errors.js";
import { StorageManager } from "./manager.js";
import { MapOverKeyval } from "./shims/map-over-keyval.js";
import type { KeyvalStore, StorageDriver } from "./types.js";

const H = "example.com";

async function code(p: Promise<unknown>): Promise<string | undefined> {
  try {
    await p;
  } catch (err) {
    return err instanceof StorageError ? err.code : `not a StorageError: ${String(err)}`;
  }
  return undefined;
}

/** A driver with keyval only, to exercise the map shim and unsupported types. */
function keyvalOnly(): StorageDriver {
  const inner = createMemoryDriver({ name: "kvonly" });
  return { name: "kvonly", keyval: (h, s) => inner.keyval!(h, s), close: () => inner.close() };
}

describe("StorageManager", () => {
  it("picks the driver from storage (string), storage (per store) and default_storage", () => {
    const m = new StorageManager({
      storage: { archive: "sqlite", roster: "memory" },
      defaultStorage: "redis",
    });
    expect(m.driverName(H, "archive")).toBe("sqlite");
    expect(m.driverName(H, "roster")).toBe("memory");
    expect(m.driverName(H, "vcard")).toBe("redis");
    expect(m.driverName(H, "toString")).toBe("redis");
    expect(new StorageManager({ storage: "memory" }).driverName(H, "x")).toBe("memory");
    expect(new StorageManager().driverName(H, "x")).toBe("sqlite");
  });

  it("lets per-host options win over global ones", () => {
    const m = new StorageManager({
      storage: "memory",
      hostOptions: (host) =>
        host === "special.example" ? { storage: { mam: "sqlite" }, default_storage: "x" } : undefined,
    });
    expect(m.driverName(H, "mam")).toBe("memory");
    expect(m.driverName("special.example", "mam")).toBe("sqlite");
    expect(m.driverName("special.example", "other")).toBe("x");
  });

  it("rejects an unknown driver at open time, naming the registered ones", async () => {
    const m = new StorageManager({ drivers: { memory: createMemoryDriver() }, storage: "nosuch" });
    await expect(m.open(H, "roster")).rejects.toMatchObject({
      code: "unknown-driver",
      message: expect.stringContaining('"nosuch" (registered: memory)'),
    });
  });

  it("rejects a type the driver cannot serve", async () => {
    const m = new StorageManager({ drivers: { kvonly: keyvalOnly() }, storage: "kvonly" });
    expect(await code(m.open(H, "mam", "archive"))).toBe("unsupported-store");
    expect(await code(m.open(H, "x", "bogus" as never))).toBe("unsupported-store");
    const noKeyval: StorageDriver = { name: "n", close: async () => {} };
    const m2 = new StorageManager({ drivers: { n: noKeyval }, storage: "n" });
    expect(await code(m2.open(H, "x"))).toBe("unsupported-store");
    expect(await code(m2.open(H, "x", "map"))).toBe("unsupported-store");
  });

  it("serves map through the keyval shim when the driver has no map", async () => {
    const m = new StorageManager({ drivers: { kvonly: keyvalOnly() }, storage: "kvonly" });
    const map = await m.open(H, "private", "map");
    expect(map).toBeInstanceOf(MapOverKeyval);
    expect(await m.open(H, "private", "map")).toBe(map); // one shim, one lock
    await map.set("alice", "ns1", { a: 1 });
    await map.set("bob", "ns1", { b: 2 });
    const kv = await m.open(H, "private");
    expect(await kv.get("alice")).toEqual({ ns1: { a: 1 } });
    expect(await map.getAll("ns1")).toEqual({ alice: { a: 1 }, bob: { b: 2 } });
    const plus = await m.open(H, "private", "keyval+");
    expect(await plus.getKey("bob", "ns1")).toEqual({ b: 2 });
  });

  it("fires store-opened in priority order; handlers may wrap or replace the store", async () => {
    const m = new StorageManager({ drivers: { memory: createMemoryDriver() }, storage: "memory" });
    const seen: string[] = [];
    m.hook("store-opened", (e) => {
      seen.push(`low:${e.host}/${e.storeName}/${e.storeType}/${e.driver}`);
    });
    const unhook = m.hook(
      "store-opened",
      async (e) => {
        seen.push("high");
        if (e.storeType !== "keyval") return;
        const inner = e.store as KeyvalStore;
        const wrapped: KeyvalStore = {
          get: async (u) => ({ wrapped: (await inner.get(u)) ?? null }),
          set: (u, v) => inner.set(u, v),
          users: () => inner.users(),
        };
        e.store = wrapped;
      },
      10,
    );
    const kv = await m.open(H, "roster");
    await kv.set("alice", 1);
    expect(await kv.get("alice")).toEqual({ wrapped: 1 });
    expect(seen).toEqual(["high", `low:${H}/roster/keyval/memory`]);
    unhook();
    const plain = await m.open(H, "roster");
    expect(await plain.get("alice")).toBe(1);
  });

  it("rejects opening when a store-opened handler throws", async () => {
    const m = new StorageManager({ drivers: { memory: createMemoryDriver() }, storage: "memory" });
    m.hook("store-opened", () => {
      throw new Error("nope");
    });
    await expect(m.open(H, "x")).rejects.toThrow("nope");
  });

  it("shares one Keyv adapter per (host, store) and accepts an injected Keyv store", async () => {
    const made: string[] = [];
    const backing = new Map<string, Map<unknown, unknown>>();
    const driver = createMemoryDriver({
      keyvStore: (ns) => {
        made.push(ns);
        const map = new Map();
        backing.set(ns, map);
        return map;
      },
    });
    const m = new StorageManager({ drivers: { memory: driver }, storage: "memory" });
    const a = await m.open(H, "roster");
    const b = await m.open(H, "roster", "map");
    await m.open(H, "roster", "keyval+");
    await m.open("other.example", "roster");
    expect(made).toEqual(["example.com/roster", "other.example/roster"]);
    await a.set("alice", { x: 1 });
    expect(await b.get("alice", "x")).toBe(1);
    // The raw store holds plain JSON under Keyv's `namespace:key`.
    expect([...backing.get("example.com/roster")!.entries()]).toEqual([
      ["example.com/roster:alice", '{"x":1}'],
    ]);
  });

  it("works with any Keyv-compatible adapter", async () => {
    const keyv = new Keyv();
    expect(keyv).toBeDefined();
    const driver = createMemoryDriver({ keyvStore: () => new Map() });
    const m = new StorageManager({ drivers: { memory: driver }, defaultStorage: "memory" });
    const kv = await m.open(H, "x");
    await kv.set(undefined, { host: 1 });
    expect(await kv.get(undefined)).toEqual({ host: 1 });
  });

  it("closes every driver once and refuses use afterwards", async () => {
    let closed = 0;
    const d: StorageDriver = { ...createMemoryDriver(), close: async () => void closed++ };
    const m = new StorageManager({ drivers: { a: d, b: d }, storage: "a" });
    await m.close();
    await m.close();
    expect(closed).toBe(1);
    expect(await code(m.open(H, "x"))).toBe("store-closed");
    expect(() => m.addDriver(d)).toThrow(StorageError);
  });

  it("asks the resolver for names it does not have, per host, and closes what it gave once", async () => {
    let closed = 0;
    const memory = createMemoryDriver({ name: "dyn" });
    const dyn: StorageDriver = { ...memory, name: "dyn", close: async () => void closed++ };
    const asked: string[] = [];
    const m = new StorageManager({
      drivers: { memory: createMemoryDriver() },
      storage: { a: "dyn", b: "memory", c: "bad" },
      resolver: {
        names: ["dyn", "bad"],
        resolve(name, host) {
          asked.push(`${name}@${host}`);
          if (name === "bad") throw new TypeError("bad table");
          return name === "dyn" ? dyn : undefined;
        },
      },
    });
    await (await m.open(H, "a")).set("u", { x: 1 });
    await (await m.open("other.example", "a")).set("u", { x: 2 });
    await m.open(H, "b");
    expect(asked).toEqual([`dyn@${H}`, "dyn@other.example"]);
    await expect(m.open(H, "c")).rejects.toThrow("bad table");
    await m.close();
    expect(closed).toBe(1);
  });

  it("lists the resolver's names in unknown-driver", async () => {
    const m = new StorageManager({
      drivers: { memory: createMemoryDriver() },
      storage: "nope",
      resolver: { names: ["sql"], resolve: () => undefined },
    });
    await expect(m.open(H, "x")).rejects.toThrow('no storage driver named "nope" (registered: memory, sql)');
    await m.close();
  });
});
