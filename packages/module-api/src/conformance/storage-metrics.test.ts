import { afterEach, describe, expect, it } from "vitest";
import type { TestServer } from "../testing.js";
import { withModule } from "./helpers.test-helper.js";

let current: TestServer | undefined;
afterEach(async () => {
  await current?.stop();
  current = undefined;
});

describe("module:open_store() → openStore", () => {
  it("opens a keyval store named after the module on the module's host by default", async () => {
    const t = await withModule(() => {}, { name: "notes" });
    current = t;
    const store = await t.module.openStore();
    await store.set("alice", { text: "hi" });
    const same = await t.server.storage.open("localhost", "notes", "keyval");
    expect(await same.get("alice")).toEqual({ text: "hi" });
  });

  it("opens map and archive stores by name and type", async () => {
    const t = await withModule(() => {});
    current = t;
    const map = await t.module.openStore("prefs", "map");
    await map.set("alice", "theme", "dark");
    expect(await map.get("alice", "theme")).toBe("dark");
    const archive = await t.module.openStore("log", "archive");
    const key = await archive.append("alice", undefined, { n: 1 }, 1000, "bob@localhost");
    expect(typeof key).toBe("string");
    const found = [...(await archive.find("alice", {}))];
    expect(found.map((item) => item.value)).toEqual([{ n: 1 }]);
  });

  it("refuses a global module with global-storage-not-supported", async () => {
    const t = await withModule((m) => m.setGlobal());
    current = t;
    await expect(t.module.openStore("x")).rejects.toMatchObject({ code: "global-storage-not-supported" });
  });
});

describe("module:measure() → measure, module:metric() → metric", () => {
  it("are scoped to the module and host", async () => {
    const t = await withModule(() => {}, { name: "counter_mod" });
    current = t;
    const family = t.module.metric("counter", "events", "", "events seen", ["kind"]);
    expect(family.name).toBe("canto_mod_counter_mod/events");
    expect(family.labelKeys).toEqual(["kind"]);
    const count = t.module.measure("hits", "counter");
    expect(typeof count).toBe("function");
    expect(() => t.module.metric("counter", "bad name!")).toThrow(/bad name/);
  });
});
