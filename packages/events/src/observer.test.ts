import { describe, expect, it, vi } from "vitest";
import { EventHandlerError } from "./errors.js";
import { EventBus } from "./event-bus.js";
import type { FiredEvent } from "./types.js";

describe("observe", () => {
  it("sees every fired event with name, data, result and duration, after the handlers", () => {
    const bus = new EventBus();
    const seen: FiredEvent[] = [];
    const order: string[] = [];
    bus.hook("answered", () => {
      order.push("handler");
      return "yes";
    });
    bus.observe((event) => {
      order.push("observer");
      seen.push(event);
    });
    const data = { n: 1 };
    expect(bus.fire("answered", data)).toBe("yes");
    bus.fire("unhandled", 2);
    expect(order).toEqual(["handler", "observer", "observer"]);
    expect(seen).toHaveLength(2);
    expect(seen[0]).toMatchObject({ name: "answered", data, result: "yes" });
    expect(seen[0]?.data).toBe(data);
    expect(seen[1]).toMatchObject({ name: "unhandled", data: 2, result: undefined });
    for (const event of seen) {
      expect(event.duration).toBeGreaterThanOrEqual(0);
      expect(event).not.toHaveProperty("error");
    }
  });

  it("cannot halt or change the result, and its exceptions never reach fire", () => {
    const onObserverError = vi.fn();
    const bus = new EventBus({ onObserverError });
    const handler = vi.fn(() => "kept");
    bus.hook("e", handler);
    const later = vi.fn();
    bus.observe(() => {
      throw new Error("observer bug");
    });
    // A function with a result is assignable to a void-returning observer; the result is dropped.
    const answering: (event: FiredEvent) => void = () => "ignored";
    bus.observe(answering);
    bus.observe(later);
    expect(bus.fire("e", 1)).toBe("kept");
    expect(handler).toHaveBeenCalledTimes(1);
    expect(later).toHaveBeenCalledTimes(1);
    expect(onObserverError).toHaveBeenCalledTimes(1);
    expect(onObserverError.mock.calls[0]?.[0]).toEqual(new Error("observer bug"));
    expect(onObserverError.mock.calls[0]?.[1]).toMatchObject({ name: "e", result: "kept" });
  });

  it("survives an onObserverError that throws as well", () => {
    const bus = new EventBus({
      onObserverError: () => {
        throw new Error("reporter bug");
      },
    });
    bus.hook("e", () => "still fine");
    bus.observe(() => {
      throw new Error("observer bug");
    });
    expect(bus.fire("e")).toBe("still fine");
  });

  it("reports observer exceptions to console.error by default", () => {
    const bus = new EventBus();
    const spy = vi.spyOn(console, "error").mockImplementation(() => undefined);
    try {
      bus.observe(() => {
        throw new Error("observer bug");
      });
      expect(bus.fire("e")).toBeUndefined();
      expect(spy).toHaveBeenCalledTimes(1);
    } finally {
      spy.mockRestore();
    }
  });

  it("reports async results once settled, with the time spent awaiting", async () => {
    const bus = new EventBus();
    const seen: FiredEvent[] = [];
    bus.observe((event) => seen.push(event));
    bus.hook("slow", () => new Promise((resolve) => setTimeout(() => resolve("late"), 20)));
    const result = bus.fire("slow");
    expect(seen).toHaveLength(0);
    await expect(result).resolves.toBe("late");
    expect(seen).toHaveLength(1);
    expect(seen[0]).toMatchObject({ name: "slow", result: "late" });
    expect(seen[0]?.duration).toBeGreaterThanOrEqual(15);
  });

  it("sees failures, sync and async, and the error still reaches the caller", async () => {
    const bus = new EventBus();
    const seen: FiredEvent[] = [];
    bus.observe((event) => seen.push(event));
    bus.hook("sync", () => {
      throw new Error("sync");
    });
    bus.hook("async", async () => {
      throw new Error("async");
    });
    expect(() => bus.fire("sync")).toThrow(EventHandlerError);
    await expect(bus.fire("async")).rejects.toBeInstanceOf(EventHandlerError);
    expect(seen.map((e) => [e.name, (e.error as EventHandlerError).cause])).toEqual([
      ["sync", new Error("sync")],
      ["async", new Error("async")],
    ]);
  });

  it("sees events fired through wrappers, with the wrapped result", () => {
    const bus = new EventBus();
    const seen: FiredEvent[] = [];
    bus.observe((event) => seen.push(event));
    bus.hook("e", () => 1);
    bus.addWrapper("e", (next, name, data) => (next(name, data) as number) + 1);
    bus.fire("e");
    expect(seen[0]).toMatchObject({ name: "e", result: 2 });
  });

  it("stops observing once disposed, and the disposer is idempotent", () => {
    const bus = new EventBus();
    const a = vi.fn();
    const b = vi.fn();
    const disposeA = bus.observe(a);
    bus.observe(b);
    bus.fire("e");
    disposeA();
    disposeA();
    bus.fire("e");
    expect(a).toHaveBeenCalledTimes(1);
    expect(b).toHaveBeenCalledTimes(2);
  });

  it("does not read the clock when nobody observes", () => {
    const bus = new EventBus();
    bus.hook("e", () => undefined);
    const now = vi.spyOn(performance, "now");
    try {
      bus.fire("e");
      expect(now).not.toHaveBeenCalled();
      const dispose = bus.observe(() => undefined);
      bus.fire("e");
      expect(now).toHaveBeenCalledTimes(2);
      dispose();
      bus.fire("e");
      expect(now).toHaveBeenCalledTimes(2);
    } finally {
      now.mockRestore();
    }
  });
});
