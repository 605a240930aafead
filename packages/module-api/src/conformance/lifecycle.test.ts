import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { iq } from "@canto/stanza";
import { afterEach, describe, expect, it } from "vitest";
import type { Module } from "../module.js";
import { createTestServer, type TestServer } from "../testing.js";

let current: TestServer | undefined;
afterEach(async () => {
  await current?.stop();
  current = undefined;
});

/** Counts of everything a module can leave behind on a host. */
function footprint(t: TestServer, host = "localhost") {
  const h = t.server.host(host)!;
  let handlers = 0;
  for (const name of ["custom", "item-added/x", "iq-result/host/leak", "iq-error/host/leak"]) {
    handlers += h.events.getHandlers(name)?.length ?? 0;
  }
  let items = 0;
  for (const m of h.modules.values()) items += m.items.count();
  return { handlers, items, timers: t.server.scheduler.size, tasks: t.server.cronOf(host)!.tasks().length };
}

/** Registers one of everything. */
function busyModule(m: Module, options: { fail?: boolean } = {}) {
  m.hook("custom", () => undefined);
  m.wrapEvent("custom", (next, name, data) => next(name, data));
  m.addItem("x", "item");
  m.addTimer(100, () => 1);
  m.daily("task", () => {});
  if (options.fail) throw new Error("boom");
}

describe("module manager: load", () => {
  it("fails with clear codes: unknown-host, module-already-loaded, module-not-found", async () => {
    const t = await createTestServer({ modules: { a: () => {} } });
    current = t;
    await expect(t.server.manager.load("nowhere.example", "a")).rejects.toMatchObject({
      code: "unknown-host",
    });
    await t.server.manager.load("localhost", "a");
    await expect(t.server.manager.load("localhost", "a")).rejects.toMatchObject({
      code: "module-already-loaded",
    });
    await expect(t.server.manager.load("localhost", "nope")).rejects.toMatchObject({
      code: "module-not-found",
    });
  });

  it("rolls back everything a failing load had registered (Prosody leaks it)", async () => {
    const t = await createTestServer({ modules: { bad: (m) => busyModule(m, { fail: true }) } });
    current = t;
    const before = footprint(t);
    await expect(t.server.manager.load("localhost", "bad")).rejects.toMatchObject({
      code: "module-load-failed",
      message: expect.stringContaining("boom"),
    });
    expect(footprint(t)).toEqual(before);
    expect(t.server.manager.isLoaded("localhost", "bad")).toBe(false);
  });

  it("fires module-loaded and runs ready once the server has started", async () => {
    const t = await createTestServer({
      modules: {
        r: (m) => {
          m.ready = () => m.setStatus("info", "ready ran");
        },
      },
    });
    current = t;
    const loaded: unknown[] = [];
    t.server.host("localhost")!.events.hook("module-loaded", (e) => void loaded.push(e));
    const module = await t.server.manager.load("localhost", "r");
    expect(loaded).toEqual([{ module: "r", host: "localhost" }]);
    await new Promise((resolve) => setImmediate(resolve));
    expect(module.getStatus().message).toBe("ready ran");
  });

  it("loads modules_enabled per host, less modules_disabled, and only the component set on components", async () => {
    const t = await createTestServer({
      config: {
        modules_enabled: ["a", "b", "tls", "iq"],
        modules_disabled: ["b"],
        hosts: { "one.example": { modules_enabled: ["c"] }, "two.example": { modules_disabled: ["a"] } },
        components: { "comp.example": { module: "c" } },
      },
      modules: { a: () => {}, b: () => {}, c: () => {}, tls: () => {}, iq: () => {} },
    });
    current = t;
    expect(t.server.manager.modulesForHost("one.example").sort()).toEqual(["a", "c", "iq", "tls"]);
    expect(t.server.manager.modulesForHost("two.example").sort()).toEqual(["iq", "tls"]);
    expect(t.server.manager.modulesForHost("comp.example")).toEqual(["c", "tls", "iq"]);
    expect(t.server.manager.list("comp.example")).toEqual(["c", "tls", "iq"]);
  });

  it("lets hostModules rewrite a host's list, and skips optional modules that are not found", async () => {
    const t = await createTestServer({
      config: { modules_enabled: ["old_name", "gone", "typo"], hosts: { localhost: {} } },
      modules: { new_name: () => {}, implied: () => {} },
      hostModules: (_host, type, names) => [
        ...names.map((name) => (name === "old_name" ? "new_name" : name)),
        ...(type === "local" ? [`implied`] : []),
        // A name twice loads once.
        "new_name",
      ],
      optionalModules: (name) => name === "gone",
    });
    current = t;
    expect(t.server.manager.modulesForHost("localhost")).toEqual(["new_name", "gone", "typo", "implied"]);
    expect(t.server.manager.list("localhost")).toEqual(["new_name", "implied"]);
    expect(t.server.skippedModules).toEqual([{ host: "localhost", module: "gone" }]);
    expect(t.server.loadFailures.map((f) => f.module)).toEqual(["typo"]);
  });
});

describe("module manager: unload", () => {
  it("removes hooks, wrappers, items, timers, tasks and pending IQs, and fires module-unloaded", async () => {
    const t = await createTestServer({ modules: { busy: (m) => busyModule(m) } });
    current = t;
    const before = footprint(t);
    const module = await t.server.manager.load("localhost", "busy");
    const pending = module.sendIq(
      iq({ type: "get", id: "leak", to: "localhost", from: "localhost" }).c("q", { xmlns: "x" }).root(),
    );
    const rejected = pending.catch((e: unknown) => e);
    expect(footprint(t)).not.toEqual(before);
    const events: unknown[] = [];
    t.server.host("localhost")!.events.hook("module-unloaded", (e) => void events.push(e));
    await t.server.manager.unload("localhost", "busy");
    expect(footprint(t)).toEqual(before);
    expect(await rejected).toBeDefined();
    expect(module.loaded).toBe(false);
    expect(events).toEqual([{ module: "busy", host: "localhost" }]);
    await expect(t.server.manager.unload("localhost", "busy")).rejects.toMatchObject({
      code: "module-not-loaded",
    });
  });

  it("calls the module's unload first, and goes on when it throws", async () => {
    const order: string[] = [];
    const t = await createTestServer({
      modules: {
        u: (m) => {
          m.hook("custom", () => undefined);
          m.unload = () => {
            order.push(`unload sees ${m.disposers.length} hooks`);
            throw new Error("ignored");
          };
        },
      },
    });
    current = t;
    await t.server.manager.load("localhost", "u");
    await t.server.manager.unload("localhost", "u");
    expect(order).toEqual(["unload sees 1 hooks"]);
    expect(t.server.host("localhost")!.events.getHandlers("custom")).toBeUndefined();
  });
});

describe("module manager: reload", () => {
  function pluginDir(): string {
    return mkdtempSync(join(tmpdir(), "canto-reload-"));
  }

  it("carries state through save and restore, with reloading and savedState visible to the new body", async () => {
    const dir = pluginDir();
    const file = join(dir, "mod_counter.js");
    const body = (version: number) => `
      export default function (module) {
        let count = 0;
        module.save = () => ({ count });
        module.restore = (state) => { count = state.count ?? 0; };
        module.hook("bump", () => ++count);
        module.hook("version", () => ${version});
        return { sawReloading: module.reloading, saved: module.savedState };
      }`;
    writeFileSync(file, body(1));
    const t = await createTestServer({ config: { plugin_paths: [dir], hosts: { localhost: {} } } });
    current = t;
    await t.server.manager.load("localhost", "counter");
    const bus = t.server.host("localhost")!.events;
    bus.fire("bump");
    bus.fire("bump");
    writeFileSync(file, body(2));
    const reloaded: unknown[] = [];
    bus.hook("module-reloaded", (e) => void reloaded.push(e));
    const fresh = await t.server.manager.reload("localhost", "counter");
    expect(bus.fire("version")).toBe(2);
    expect(bus.fire("bump")).toBe(3);
    expect(fresh.exports).toEqual({ sawReloading: true, saved: { count: 2 } });
    expect(reloaded).toEqual([{ module: "counter", host: "localhost" }]);
    expect(bus.getHandlers("bump")).toHaveLength(1);
  });

  it("leaves the running module in place when the new code fails to import or to load", async () => {
    const dir = pluginDir();
    const file = join(dir, "mod_stable.js");
    writeFileSync(
      file,
      "export default function (m) { let n = 0; m.save = () => n; m.restore = (s) => { n = s; }; m.hook('n', () => ++n); }",
    );
    const t = await createTestServer({ config: { plugin_paths: [dir], hosts: { localhost: {} } } });
    current = t;
    await t.server.manager.load("localhost", "stable");
    const bus = t.server.host("localhost")!.events;
    expect(bus.fire("n")).toBe(1);
    writeFileSync(file, "export default function (m) { this is not javascript");
    await expect(t.server.manager.reload("localhost", "stable")).rejects.toMatchObject({
      code: "module-load-failed",
    });
    expect(bus.fire("n")).toBe(2);
    writeFileSync(
      file,
      "export default function (m) { m.hook('n', () => 'new'); throw new Error('bad init'); }",
    );
    await expect(t.server.manager.reload("localhost", "stable")).rejects.toThrow(/bad init/);
    expect(bus.fire("n")).toBe(3);
    expect(bus.getHandlers("n")).toHaveLength(1);
    expect(t.server.manager.isLoaded("localhost", "stable")).toBe(true);
  });

  it("aborts with save-state-failed when save throws", async () => {
    const t = await createTestServer({
      modules: {
        s: (m) => {
          m.save = () => {
            throw new Error("cannot");
          };
        },
      },
    });
    current = t;
    await t.server.manager.load("localhost", "s");
    await expect(t.server.manager.reload("localhost", "s")).rejects.toMatchObject({
      code: "save-state-failed",
    });
    expect(t.server.manager.isLoaded("localhost", "s")).toBe(true);
  });
});

describe("module:depends() → depends", () => {
  it("loads the dependency, returns its API, and cascades its reload and unload", async () => {
    let bLoads = 0;
    let aLoads = 0;
    const t = await createTestServer({
      modules: {
        b: () => {
          bLoads++;
          return { greet: () => "hi from b" };
        },
        a: async (m) => {
          aLoads++;
          const b = (await m.depends("b")) as { greet(): string };
          return { message: b.greet() };
        },
      },
    });
    current = t;
    const a = await t.server.manager.load("localhost", "a");
    expect(a.exports).toEqual({ message: "hi from b" });
    expect(t.server.manager.isLoaded("localhost", "b")).toBe(true);
    await t.server.manager.reload("localhost", "b");
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(bLoads).toBe(2);
    expect(aLoads).toBe(2);
    await t.server.manager.unload("localhost", "b");
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(t.server.manager.isLoaded("localhost", "a")).toBe(false);
  });

  it("throws for a disabled dependency, or returns undefined when soft", async () => {
    const t = await createTestServer({
      config: { modules_disabled: ["b"], hosts: { localhost: {} } },
      modules: {
        b: () => ({}),
        hard: async (m) => m.depends("b"),
        soft: async (m) => ({ got: await m.depends("b", true) }),
      },
    });
    current = t;
    await expect(t.server.manager.load("localhost", "hard")).rejects.toThrow(
      /depends on b, which is disabled/,
    );
    const soft = await t.server.manager.load("localhost", "soft");
    expect(soft.exports).toEqual({ got: undefined });
  });
});

describe("shared modules: setGlobal with addHost", () => {
  it("loads once globally and gives each host its own instance", async () => {
    const hosts: string[] = [];
    const t = await createTestServer({
      config: { hosts: { "a.example": {}, "b.example": {} } },
      modules: {
        shared: (m) => {
          m.setGlobal();
          m.addHost = (instance) => {
            hosts.push(instance.host);
            instance.hook("ping", () => `pong from ${instance.host}`);
          };
        },
      },
    });
    current = t;
    const a = await t.server.manager.load("a.example", "shared");
    const b = await t.server.manager.load("b.example", "shared");
    expect(hosts).toEqual(["a.example", "b.example"]);
    expect(a.parent).toBe(b.parent);
    expect(t.server.host("b.example")!.events.fire("ping")).toBe("pong from b.example");
    await t.server.manager.unload("a.example", "shared");
    expect(t.server.host("a.example")!.events.fire("ping")).toBeUndefined();
    expect(t.server.host("b.example")!.events.fire("ping")).toBe("pong from b.example");
  });
});

describe("module:shared() → shared, module:context() → context", () => {
  it("shares objects by path and keeps them across a reload", async () => {
    const t = await createTestServer({
      modules: {
        s: (m) => {
          const table = m.shared<{ hits?: number }>("stats");
          table.hits = (table.hits ?? 0) + 1;
          return table;
        },
      },
    });
    current = t;
    const first = await t.server.manager.load("localhost", "s");
    const second = await t.server.manager.reload("localhost", "s");
    expect(second.exports).toBe(first.exports);
    expect((second.exports as { hits: number }).hits).toBe(2);
  });

  it("acts on another host through context(host), undone on unload", async () => {
    const t = await createTestServer({
      config: { hosts: { "a.example": {}, "b.example": {} } },
      modules: { c: (m) => void m.context("b.example").hook("x", () => "via context") },
    });
    current = t;
    await t.server.manager.load("a.example", "c");
    expect(t.server.host("b.example")!.events.fire("x")).toBe("via context");
    await t.server.manager.unload("a.example", "c");
    expect(t.server.host("b.example")!.events.fire("x")).toBeUndefined();
  });
});
