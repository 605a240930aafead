import { afterEach, describe, expect, it } from "vitest";
import type { ItemEvent, Module } from "../module.js";
import { createTestServer, type TestServer } from "../testing.js";
import { withModule } from "./helpers.test-helper.js";

let current: TestServer | undefined;
afterEach(async () => {
  await current?.stop();
  current = undefined;
});

describe("module:add_item() → addItem, module:remove_item() → removeItem", () => {
  it("fires item-added/<name> and item-removed/<name> on the host with source and item", async () => {
    const t = await withModule(() => {});
    current = t;
    const events: string[] = [];
    const bus = t.server.host("localhost")!.events;
    bus.hook("item-added/widget", (e) => {
      const { source, item } = e as ItemEvent<string>;
      events.push(`added ${item} by ${source.name}`);
    });
    bus.hook("item-removed/widget", (e) => {
      events.push(`removed ${(e as ItemEvent<string>).item}`);
    });
    t.module.addItem("widget", "w1");
    expect(t.module.removeItem("widget", "w1")).toBe(true);
    expect(t.module.removeItem("widget", "w1")).toBe(false);
    expect(events).toEqual(["added w1 by test", "removed w1"]);
  });

  it("removes every item on unload, newest first, firing item-removed for each", async () => {
    const t = await withModule((m) => {
      m.addItem("a", 1);
      m.addItem("a", 2);
      m.addItem("b", 3);
    });
    current = t;
    const removed: unknown[] = [];
    for (const key of ["a", "b"]) {
      t.server.host("localhost")!.events.hook(`item-removed/${key}`, (e) => {
        removed.push((e as ItemEvent).item);
      });
    }
    await t.server.manager.unload("localhost", "test");
    expect(removed).toEqual([2, 1, 3]);
    expect(t.module.items.count()).toBe(0);
  });
});

describe("module:handle_items() → handleItems", () => {
  it("sees existing items (unless told not to), then additions and removals", async () => {
    const test = await createTestServer({
      modules: {
        publisher: (m) => {
          m.addItem("thing", "early");
        },
        watcher: (m) => {
          const seen: string[] = [];
          // Handlers return nothing: a returned value would halt the item event for other watchers.
          m.handleItems<string>(
            "thing",
            (e) => {
              seen.push(`+${e.item}`);
            },
            (e) => {
              seen.push(`-${e.item}`);
            },
          );
          return seen;
        },
        latecomer: (m) => {
          const seen: string[] = [];
          m.handleItems<string>(
            "thing",
            (e) => {
              seen.push(`+${e.item}`);
            },
            undefined,
            false,
          );
          return seen;
        },
      },
    });
    current = test;
    const publisher = await test.server.manager.load("localhost", "publisher");
    const watcher = await test.server.manager.load("localhost", "watcher");
    const latecomer = await test.server.manager.load("localhost", "latecomer");
    publisher.addItem("thing", "late");
    publisher.removeItem("thing", "early");
    expect(watcher.exports).toEqual(["+early", "+late", "-early"]);
    expect(latecomer.exports).toEqual(["+late"]);
  });
});

describe("module:get_host_items() → getHostItems", () => {
  it("includes the items of the host's modules and of global modules, as the reference says", async () => {
    const test = await createTestServer({
      config: { hosts: { "a.example": {}, "b.example": {} } },
      modules: {
        local: (m) => {
          m.addItem("feature", `local-${m.host}`);
        },
        global: (m) => {
          m.setGlobal();
          m.addItem("feature", "from-global");
        },
      },
    });
    current = test;
    const a = await test.server.manager.load("a.example", "local");
    await test.server.manager.load("b.example", "local");
    await test.server.manager.load("a.example", "global");
    expect(a.getHostItems("feature").sort()).toEqual(["from-global", "local-a.example"]);
  });

  it("tells every host's watchers when a global module adds an item", async () => {
    const seen: string[] = [];
    const test = await createTestServer({
      config: { hosts: { "a.example": {} } },
      modules: {
        watcher: (m) => m.handleItems<string>("x", (e) => seen.push(`${m.host}:${e.item}`)),
        global: (m) => {
          m.setGlobal();
          return m;
        },
      },
    });
    current = test;
    await test.server.manager.load("a.example", "watcher");
    const global = (await test.server.manager.load("a.example", "global")) as Module;
    global.addItem("x", "g1");
    expect(seen).toEqual(["a.example:g1"]);
  });
});

describe("module:provides() → provides", () => {
  it("adds the item to <name>-provider, naming it after the module less the prefix", async () => {
    const t = await withModule(
      (m) => {
        m.provides("auth", { test: () => true });
        m.provides("storage", { name: "explicit" });
      },
      { name: "auth_internal" },
    );
    current = t;
    const providers = t.module.getHostItems<{ name: string }>("auth-provider");
    expect(providers.map((p) => p.name)).toEqual(["internal"]);
    expect(t.module.getHostItems<{ name: string }>("storage-provider")[0]!.name).toBe("explicit");
  });
});
