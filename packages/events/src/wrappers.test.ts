import { describe, expect, it, vi } from "vitest";
import { EventBus } from "./event-bus.js";
import type { Next } from "./types.js";

function passThrough() {
  return vi.fn((next: Next, name: string | symbol, data: unknown) => {
    expect(typeof next).toBe("function");
    expect(name).toBe("wrapped");
    expect(data).toBe("payload");
    return next(name, data);
  });
}

describe("per-event wrappers (ported)", () => {
  it("calls the wrapper and, through it, the handler", () => {
    const bus = new EventBus();
    const wrapper = passThrough();
    const handler = vi.fn();
    bus.addWrapper("wrapped", wrapper);
    bus.hook("wrapped", handler);
    bus.fire("wrapped", "payload");
    expect(wrapper).toHaveBeenCalledTimes(1);
    expect(handler).toHaveBeenCalledTimes(1);
  });

  it("stops calling a removed wrapper", () => {
    const bus = new EventBus();
    const wrapper = passThrough();
    const handler = vi.fn();
    bus.addWrapper("wrapped", wrapper);
    bus.hook("wrapped", handler);
    bus.fire("wrapped", "payload");
    bus.removeWrapper("wrapped", wrapper);
    bus.fire("wrapped", "payload");
    expect(wrapper).toHaveBeenCalledTimes(1);
    expect(handler).toHaveBeenCalledTimes(2);
  });

  it("stacks several wrappers and removes one of them", () => {
    const bus = new EventBus();
    const one = passThrough();
    const two = passThrough();
    const handler = vi.fn();
    bus.addWrapper("wrapped", one);
    bus.hook("wrapped", handler);
    bus.addWrapper("wrapped", two);
    bus.fire("wrapped", "payload");
    bus.removeWrapper("wrapped", one);
    bus.fire("wrapped", "payload");
    expect(one).toHaveBeenCalledTimes(1);
    expect(two).toHaveBeenCalledTimes(2);
    expect(handler).toHaveBeenCalledTimes(2);
  });

  it("mixes global and per-event wrappers", () => {
    const bus = new EventBus();
    const global = passThrough();
    const own = passThrough();
    const handler = vi.fn();
    bus.addWrapper(undefined, global);
    bus.hook("wrapped", handler);
    bus.addWrapper("wrapped", own);
    bus.fire("wrapped", "payload");
    bus.removeWrapper(undefined, global);
    bus.fire("wrapped", "payload");
    expect(global).toHaveBeenCalledTimes(1);
    expect(own).toHaveBeenCalledTimes(2);
    expect(handler).toHaveBeenCalledTimes(2);
  });
});

describe("global wrappers (ported)", () => {
  it("calls a global wrapper for the event", () => {
    const bus = new EventBus();
    const wrapper = passThrough();
    const handler = vi.fn();
    bus.addWrapper(undefined, wrapper);
    bus.hook("wrapped", handler);
    bus.fire("wrapped", "payload");
    expect(wrapper).toHaveBeenCalledTimes(1);
    expect(handler).toHaveBeenCalledTimes(1);
  });

  it("stops calling a removed global wrapper", () => {
    const bus = new EventBus();
    const wrapper = passThrough();
    const handler = vi.fn();
    bus.addWrapper(undefined, wrapper);
    bus.hook("wrapped", handler);
    bus.fire("wrapped", "payload");
    bus.removeWrapper(undefined, wrapper);
    bus.fire("wrapped", "payload");
    expect(wrapper).toHaveBeenCalledTimes(1);
    expect(handler).toHaveBeenCalledTimes(2);
  });
});

describe("wrapper order and behaviour", () => {
  function tracer(trace: string[], label: string) {
    return (next: Next, name: string | symbol, data: unknown) => {
      trace.push(`${label}>`);
      const result = next(name, data);
      trace.push(`<${label}`);
      return result;
    };
  }

  it("runs per-event wrappers outside global ones, the most recent outermost", () => {
    const bus = new EventBus();
    const trace: string[] = [];
    bus.addWrapper(undefined, tracer(trace, "G1"));
    bus.addWrapper("e", tracer(trace, "E1"));
    bus.addWrapper(undefined, tracer(trace, "G2"));
    bus.addWrapper("e", tracer(trace, "E2"));
    bus.hook("e", () => {
      trace.push("H");
    });
    bus.fire("e");
    expect(trace).toEqual(["E2>", "E1>", "G2>", "G1>", "H", "<G1", "<G2", "<E1", "<E2"]);
  });

  it("runs wrappers even when the event has no handlers", () => {
    const bus = new EventBus();
    const own = vi.fn((next: Next, name: string | symbol, data: unknown) => next(name, data));
    const global = vi.fn((next: Next, name: string | symbol, data: unknown) => next(name, data));
    bus.addWrapper("lonely", own);
    bus.addWrapper(undefined, global);
    expect(bus.fire("lonely", 1)).toBeUndefined();
    bus.fire("other", 2);
    expect(own).toHaveBeenCalledTimes(1);
    expect(global).toHaveBeenCalledTimes(2);
  });

  it("lets a wrapper skip the handlers and answer itself", () => {
    const bus = new EventBus();
    const handler = vi.fn();
    bus.hook("e", handler);
    bus.addWrapper("e", () => "short-circuit");
    expect(bus.fire("e")).toBe("short-circuit");
    expect(handler).not.toHaveBeenCalled();
  });

  it("lets a wrapper change the data and the name the handlers get", () => {
    const bus = new EventBus();
    const original = vi.fn();
    const renamed = vi.fn(() => "renamed");
    bus.hook("a", original);
    bus.hook("b", renamed);
    bus.addWrapper("a", (next, _name, data) => next("b", { wrapped: data }));
    expect(bus.fire("a", 1)).toBe("renamed");
    expect(original).not.toHaveBeenCalled();
    expect(renamed).toHaveBeenCalledWith({ wrapped: 1 });
  });

  it("lets a wrapper see and replace the result", () => {
    const bus = new EventBus();
    bus.hook("e", () => 2);
    bus.addWrapper(undefined, (next, name, data) => (next(name, data) as number) * 10);
    expect(bus.fire("e")).toBe(20);
  });

  it("removes every occurrence of a wrapper added twice", () => {
    const bus = new EventBus();
    const wrapper = vi.fn((next: Next, name: string | symbol, data: unknown) => next(name, data));
    bus.addWrapper("e", wrapper);
    bus.addWrapper("e", wrapper);
    bus.fire("e");
    expect(wrapper).toHaveBeenCalledTimes(2);
    bus.removeWrapper("e", wrapper);
    bus.fire("e");
    expect(wrapper).toHaveBeenCalledTimes(2);
  });

  it("returns disposers from addWrapper and from the wrappers facade", () => {
    const bus = new EventBus();
    const a = vi.fn((next: Next, name: string | symbol, data: unknown) => next(name, data));
    const b = vi.fn((next: Next, name: string | symbol, data: unknown) => next(name, data));
    const disposeA = bus.addWrapper(undefined, a);
    const disposeB = bus.wrappers.hook("e", b);
    bus.fire("e");
    disposeA();
    disposeB();
    bus.fire("e");
    expect(a).toHaveBeenCalledTimes(1);
    expect(b).toHaveBeenCalledTimes(1);
    bus.wrappers.hook("e", b);
    bus.wrappers.unhook("e", b);
    bus.fire("e");
    expect(b).toHaveBeenCalledTimes(1);
  });

  it("goes back to the unwrapped path once the last wrapper is gone", () => {
    const bus = new EventBus();
    const wrapper = vi.fn(() => "wrapped");
    bus.hook("e", () => "plain");
    bus.addWrapper("e", wrapper);
    expect(bus.fire("e")).toBe("wrapped");
    bus.removeWrapper("e", wrapper);
    expect(bus.fire("e")).toBe("plain");
    bus.removeWrapper("e", wrapper);
    expect(bus.fire("e")).toBe("plain");
  });
});
