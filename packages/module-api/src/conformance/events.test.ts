import { EventBus } from "@canto/events";
import { afterEach, describe, expect, it } from "vitest";
import type { TestServer } from "../testing.js";
import { createTestServer } from "../testing.js";
import { withModule } from "./helpers.test-helper.js";

let current: TestServer | undefined;
afterEach(async () => {
  await current?.stop();
  current = undefined;
});

describe("module:fire_event() → fireEvent", () => {
  it("fires on the module's host and returns the halting value", async () => {
    const t = await withModule(() => {});
    current = t;
    t.server.host("localhost")!.events.hook("custom", (data) => `got ${(data as { n: number }).n}`);
    expect(t.module.fireEvent("custom", { n: 1 })).toBe("got 1");
    expect(t.module.fireEvent("nobody-listens")).toBeUndefined();
  });

  it("fires on the global bus from a global module", async () => {
    const t = await withModule((m) => m.setGlobal());
    current = t;
    t.server.global.events.hook("g", () => "global");
    expect(t.module.fireEvent("g")).toBe("global");
  });
});

describe("module:hook() → hook", () => {
  it("runs handlers by descending priority and halts on the first non-undefined return", async () => {
    const order: string[] = [];
    const t = await withModule((m) => {
      m.hook(
        "e",
        () => {
          order.push("low");
        },
        -5,
      );
      m.hook(
        "e",
        () => {
          order.push("high");
          return false;
        },
        10.5,
      );
    });
    current = t;
    expect(t.module.fireEvent("e")).toBe(false);
    expect(order).toEqual(["high"]);
  });

  it("only sees its own host's events", async () => {
    const seen: string[] = [];
    const test = await createTestServer({
      config: { hosts: { "a.example": {}, "b.example": {} } },
      modules: { m: (mod) => mod.hook("ping", () => seen.push(mod.host)) },
    });
    current = test;
    await test.server.manager.load("a.example", "m");
    test.server.host("b.example")!.events.fire("ping");
    test.server.host("a.example")!.events.fire("ping");
    expect(seen).toEqual(["a.example"]);
  });

  it("is removed on unload without calling the disposer", async () => {
    const t = await withModule((m) => {
      m.hook("e", () => "handled");
    });
    current = t;
    const bus = t.server.host("localhost")!.events;
    expect(bus.fire("e")).toBe("handled");
    await t.server.manager.unload("localhost", "test");
    expect(bus.fire("e")).toBeUndefined();
    expect(bus.getHandlers("e")).toBeUndefined();
  });
});

describe("module:hook_global() → hookGlobal", () => {
  it("hooks the global bus from a host module and is removed on unload", async () => {
    const t = await withModule((m) => {
      m.hookGlobal("host-activated", (host) => `seen ${String(host)}`);
    });
    current = t;
    expect(t.server.global.events.fire("host-activated", "x.example")).toBe("seen x.example");
    await t.server.manager.unload("localhost", "test");
    expect(t.server.global.events.fire("host-activated", "x.example")).toBeUndefined();
  });
});

describe("module:hook_object_event() → hookObjectEvent", () => {
  it("hooks any events object, Canto's or Prosody-shaped, and unhooks it on unload", async () => {
    const bus = new EventBus();
    const calls: string[] = [];
    const prosodyShaped = {
      handlers: new Map<string, unknown>(),
      add_handler(event: string, handler: unknown) {
        this.handlers.set(event, handler);
        calls.push(`add ${event}`);
      },
      remove_handler(event: string) {
        this.handlers.delete(event);
        calls.push(`remove ${event}`);
      },
    };
    const t = await withModule((m) => {
      m.hookObjectEvent(bus, "x", () => "from module", 3);
      m.hookObjectEvent(prosodyShaped as never, "y", () => undefined);
    });
    current = t;
    expect(bus.fire("x")).toBe("from module");
    await t.server.manager.unload("localhost", "test");
    expect(bus.fire("x")).toBeUndefined();
    expect(calls).toEqual(["add y", "remove y"]);
  });
});

describe("module:hook_tag() → hookTag", () => {
  it("hooks stanza/<xmlns>:<name> and calls the handler with origin, stanza and event", async () => {
    const got: unknown[] = [];
    const t = await withModule((m) => {
      m.hookTag("urn:ietf:params:xml:ns:xmpp-sasl", "auth", (origin, stanza, event) => {
        got.push(origin, stanza, event);
        return true;
      });
      m.hookTag(undefined, "plain", () => "no-namespace");
    });
    current = t;
    const bus = t.server.host("localhost")!.events;
    const data = { origin: { host: "localhost" }, stanza: { name: "auth" } };
    expect(bus.fire("stanza/urn:ietf:params:xml:ns:xmpp-sasl:auth", data)).toBe(true);
    expect(got).toEqual([data.origin, data.stanza, data]);
    expect(bus.fire("stanza/plain", data)).toBe("no-namespace");
  });

  it("can be unhooked with the handler it was given (Prosody cannot)", async () => {
    const handler = () => true;
    const t = await withModule((m) => {
      m.hookTag("ns", "x", handler);
    });
    current = t;
    t.module.unhook("stanza/ns:x", handler as never);
    expect(t.server.host("localhost")!.events.fire("stanza/ns:x", {})).toBeUndefined();
  });
});

describe("module:unhook() → unhook", () => {
  it("removes a handler added with hook", async () => {
    const handler = () => "h";
    const t = await withModule((m) => {
      m.hook("e", handler);
    });
    current = t;
    t.module.unhook("e", handler);
    expect(t.module.fireEvent("e")).toBeUndefined();
    expect(t.module.disposers).toHaveLength(0);
  });
});

describe("module:wrap_event() → wrapEvent", () => {
  it("wraps dispatch on the host, even with no handlers, and is removed on unload", async () => {
    const trace: string[] = [];
    const t = await withModule((m) => {
      m.wrapEvent("e", (next, name, data) => {
        trace.push(`before ${String(name)}`);
        const result = next(name, data);
        trace.push("after");
        return result ?? "wrapped";
      });
    });
    current = t;
    expect(t.module.fireEvent("e")).toBe("wrapped");
    expect(trace).toEqual(["before e", "after"]);
    await t.server.manager.unload("localhost", "test");
    expect(t.server.host("localhost")!.events.fire("e")).toBeUndefined();
  });
});
