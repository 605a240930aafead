import { describe, expect, it, vi } from "vitest";
import { createEventBus, EventBus } from "./event-bus.js";

// Cases ported from Prosody's spec/util_events_spec.lua, then the semantics of
// prosody-semantics.md §1 that the spec leaves pending or untested.

function recorder() {
  const calls: string[] = [];
  const make = (label: string, result?: unknown) => () => {
    calls.push(label);
    return result;
  };
  return { calls, make };
}

describe("util.events cases", () => {
  it("creates a bus with hook and unhook", () => {
    const bus = createEventBus();
    expect(bus).toBeInstanceOf(EventBus);
    expect(typeof bus.hook).toBe("function");
    expect(typeof bus.unhook).toBe("function");
  });

  it("calls a handler when its event fires", () => {
    const bus = new EventBus();
    const handler = vi.fn();
    bus.hook("ping", handler);
    bus.fire("ping");
    expect(handler).toHaveBeenCalledTimes(1);
  });

  it("leaves a handler alone when another event fires", () => {
    const bus = new EventBus();
    const handler = vi.fn();
    bus.hook("ping", handler);
    bus.fire("pong");
    expect(handler).not.toHaveBeenCalled();
  });

  it("hands the fired data to the handler, and only that", () => {
    const bus = new EventBus();
    const handler = vi.fn();
    bus.hook("ping", handler);
    bus.fire("ping", "payload");
    expect(handler).toHaveBeenCalledWith("payload");
    expect(handler.mock.calls[0]).toHaveLength(1);
  });

  it("accepts symbols as event names, keyed by identity (Prosody: tables)", () => {
    const bus = new EventBus();
    const name = Symbol("custom");
    const lookalike = Symbol("custom");
    const handler = vi.fn();
    bus.hook(name, handler);
    bus.fire(lookalike, "other");
    bus.fire(name, "payload");
    expect(handler).toHaveBeenCalledTimes(1);
    expect(handler).toHaveBeenCalledWith("payload");
  });

  it("runs handlers from the highest priority down, default 0", () => {
    const bus = new EventBus();
    const { calls, make } = recorder();
    bus.hook("ordered", make("mid"), 3);
    bus.hook("ordered", make("low"));
    bus.hook("ordered", make("high"), 5);
    bus.fire("ordered");
    expect(calls).toEqual(["high", "mid", "low"]);
  });

  it("orders fractional priorities", () => {
    const bus = new EventBus();
    const { calls, make } = recorder();
    bus.hook("ordered", make("quarter"), 0.25);
    bus.hook("ordered", make("one"), 1);
    bus.hook("ordered", make("half"), 0.5);
    bus.fire("ordered");
    expect(calls).toEqual(["one", "half", "quarter"]);
  });

  it("orders negative priorities below the default", () => {
    const bus = new EventBus();
    const { calls, make } = recorder();
    bus.hook("ordered", make("minus"), -1);
    bus.hook("ordered", make("zero"));
    bus.hook("ordered", make("plus"), 1);
    bus.fire("ordered");
    expect(calls).toEqual(["plus", "zero", "minus"]);
  });

  it("stops calling a handler once unhooked", () => {
    const bus = new EventBus();
    const handler = vi.fn();
    bus.hook("ping", handler);
    bus.fire("ping");
    bus.unhook("ping", handler);
    bus.fire("ping");
    expect(handler).toHaveBeenCalledTimes(1);
  });

  it("hooks a map of handlers at once", () => {
    const bus = new EventBus();
    const map = { first: vi.fn(), second: vi.fn(), third: vi.fn() };
    bus.hooks(map);
    bus.fire("first");
    bus.fire("second");
    expect(map.first).toHaveBeenCalledTimes(1);
    expect(map.second).toHaveBeenCalledTimes(1);
    expect(map.third).not.toHaveBeenCalled();
  });

  it("unhooks a map of handlers at once", () => {
    const bus = new EventBus();
    const map = { first: vi.fn(), second: vi.fn(), third: vi.fn() };
    bus.hooks(map);
    bus.unhooks(map);
    bus.fire("first");
    bus.fire("second");
    bus.fire("third");
    expect(map.first).not.toHaveBeenCalled();
    expect(map.second).not.toHaveBeenCalled();
    expect(map.third).not.toHaveBeenCalled();
  });

  it("lists an event's handlers", () => {
    const bus = new EventBus();
    const handler = vi.fn();
    bus.hook("ping", handler);
    expect(bus.getHandlers("ping")?.[0]).toBe(handler);
  });
});

describe("registration", () => {
  it("keys a handler by its function: adding it again only moves its priority", () => {
    const bus = new EventBus();
    const { calls, make } = recorder();
    const twice = make("twice");
    bus.hook("e", twice, 1);
    bus.hook("e", make("other"), 5);
    bus.hook("e", twice, 10);
    bus.fire("e");
    expect(calls).toEqual(["twice", "other"]);
    expect(bus.getHandlers("e")).toHaveLength(2);
  });

  it("runs equal priorities in the order they were added", () => {
    const bus = new EventBus();
    const { calls, make } = recorder();
    for (let n = 1; n <= 8; n++) bus.hook("tie", make(`h${n}`));
    bus.fire("tie");
    expect(calls).toEqual(["h1", "h2", "h3", "h4", "h5", "h6", "h7", "h8"]);
  });

  it("places a re-prioritised handler last among its new equals; the same priority changes nothing", () => {
    const bus = new EventBus();
    const { calls, make } = recorder();
    const a = make("a");
    const b = make("b");
    bus.hook("e", a);
    bus.hook("e", b);
    bus.hook("e", a);
    bus.fire("e");
    bus.hook("e", a, 1);
    bus.hook("e", a, 0);
    bus.fire("e");
    expect(calls).toEqual(["a", "b", "b", "a"]);
  });

  it("returns a disposer from hook, safe to call twice", () => {
    const bus = new EventBus();
    const handler = vi.fn();
    const dispose = bus.hook("ping", handler);
    dispose();
    dispose();
    bus.fire("ping");
    expect(handler).not.toHaveBeenCalled();
    expect(bus.getHandlers("ping")).toBeUndefined();
  });

  it("returns a disposer from hooks that removes the whole map", () => {
    const bus = new EventBus();
    const map = { a: vi.fn(), b: vi.fn() };
    bus.hooks(map, 2)();
    bus.fire("a");
    bus.fire("b");
    expect(map.a).not.toHaveBeenCalled();
    expect(map.b).not.toHaveBeenCalled();
  });

  it("hooks a map at the given priority", () => {
    const bus = new EventBus();
    const { calls, make } = recorder();
    bus.hook("a", make("default"));
    bus.hooks({ a: make("map") }, 7);
    bus.fire("a");
    expect(calls).toEqual(["map", "default"]);
  });

  it("ignores unhooking what was never hooked", () => {
    const bus = new EventBus();
    const handler = vi.fn();
    bus.unhook("nothing", handler);
    bus.hook("e", handler);
    bus.unhook("e", () => undefined);
    bus.fire("e");
    expect(handler).toHaveBeenCalledTimes(1);
  });

  it("gives undefined from getHandlers for an event without handlers, and a copy otherwise", () => {
    const bus = new EventBus();
    expect(bus.getHandlers("none")).toBeUndefined();
    const handler = vi.fn();
    bus.hook("e", handler);
    bus.getHandlers("e")?.pop();
    expect(bus.getHandlers("e")).toEqual([handler]);
  });

  it("rejects a NaN priority and a non-function handler", () => {
    const bus = new EventBus();
    expect(() => bus.hook("e", () => undefined, Number.NaN)).toThrow(TypeError);
    expect(() => bus.hook("e", "nope" as never)).toThrow(TypeError);
  });

  it("accepts infinite priorities", () => {
    const bus = new EventBus();
    const { calls, make } = recorder();
    bus.hook("e", make("bottom"), -Infinity);
    bus.hook("e", make("top1"), Infinity);
    bus.hook("e", make("top2"), Infinity);
    bus.fire("e");
    expect(calls).toEqual(["top1", "top2", "bottom"]);
  });
});

describe("halting", () => {
  it.each([
    ["true", true],
    ["false", false],
    ["null", null],
    ["0", 0],
    ["an empty string", ""],
    ["an object", { ok: 1 }],
  ])("halts on %s and returns it", (_label, value) => {
    const bus = new EventBus();
    const later = vi.fn();
    bus.hook("e", () => value, 1);
    bus.hook("e", later);
    expect(bus.fire("e")).toBe(value);
    expect(later).not.toHaveBeenCalled();
  });

  it("goes on past handlers that return undefined, and returns undefined when none halts", () => {
    const bus = new EventBus();
    const { calls, make } = recorder();
    bus.hook("e", make("a"), 2);
    bus.hook("e", make("b"), 1);
    expect(bus.fire("e")).toBeUndefined();
    expect(calls).toEqual(["a", "b"]);
  });

  it("returns undefined for an event without handlers", () => {
    expect(new EventBus().fire("nobody-listens", { x: 1 })).toBeUndefined();
  });
});

describe("changes during dispatch", () => {
  it("does not call a handler added during the dispatch, but calls it next time", () => {
    const bus = new EventBus();
    const late = vi.fn();
    bus.hook("e", () => {
      bus.hook("e", late, -1);
    });
    bus.fire("e");
    expect(late).not.toHaveBeenCalled();
    bus.fire("e");
    expect(late).toHaveBeenCalledTimes(1);
  });

  it("still calls a later handler removed during the dispatch, but not next time", () => {
    const bus = new EventBus();
    const later = vi.fn();
    bus.hook("e", () => bus.unhook("e", later), 1);
    bus.hook("e", later);
    bus.fire("e");
    expect(later).toHaveBeenCalledTimes(1);
    bus.fire("e");
    expect(later).toHaveBeenCalledTimes(1);
  });

  it("keeps nested fires of the same event independent", () => {
    const bus = new EventBus();
    const { calls, make } = recorder();
    let depth = 0;
    bus.hook(
      "e",
      () => {
        calls.push(`outer${depth}`);
        if (depth++ === 0) bus.fire("e");
      },
      1,
    );
    bus.hook("e", make("inner"));
    bus.fire("e");
    expect(calls).toEqual(["outer0", "outer1", "inner", "inner"]);
  });
});

describe("debug hook", () => {
  it("calls the hook instead of each handler, and the hook's return halts", () => {
    const bus = new EventBus();
    const first = vi.fn(() => undefined);
    const second = vi.fn(() => "second");
    const third = vi.fn();
    bus.hook("e", first, 3);
    bus.hook("e", second, 2);
    bus.hook("e", third, 1);
    const seen: unknown[] = [];
    bus.setDebugHook((handler, name, data) => {
      seen.push([handler, name, data]);
      return handler(data);
    });
    expect(bus.fire("e", "d")).toBe("second");
    expect(seen).toEqual([
      [first, "e", "d"],
      [second, "e", "d"],
    ]);
    expect(third).not.toHaveBeenCalled();
  });

  it("can halt on its own, without calling the handler", () => {
    const bus = new EventBus();
    const handler = vi.fn();
    bus.hook("e", handler);
    bus.setDebugHook(() => "vetoed");
    expect(bus.fire("e")).toBe("vetoed");
    expect(handler).not.toHaveBeenCalled();
  });

  it("returns the previous hook when set, and unset with undefined", () => {
    const bus = new EventBus();
    const one = vi.fn();
    const two = vi.fn();
    expect(bus.setDebugHook(one)).toBeUndefined();
    expect(bus.setDebugHook(two)).toBe(one);
    expect(bus.setDebugHook(undefined)).toBe(two);
    const handler = vi.fn();
    bus.hook("e", handler);
    bus.fire("e");
    expect(handler).toHaveBeenCalledTimes(1);
    expect(two).not.toHaveBeenCalled();
  });
});
