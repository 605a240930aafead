import { describe, expect, it, vi } from "vitest";
import { EVENT_HANDLER_FAILED, EventHandlerError } from "./errors.js";
import { EventBus } from "./event-bus.js";

class DomainError extends Error {}

function caught(run: () => unknown): EventHandlerError {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(EventHandlerError);
    return error as EventHandlerError;
  }
  throw new Error("expected a throw");
}

describe("handler errors", () => {
  it("reach the caller of fire, naming the event and keeping the original error", () => {
    const bus = new EventBus();
    const original = new DomainError("boom");
    const failing = () => {
      throw original;
    };
    const later = vi.fn();
    bus.hook("user-registered", failing, 1);
    bus.hook("user-registered", later);
    const error = caught(() => bus.fire("user-registered", {}));
    expect(error.code).toBe(EVENT_HANDLER_FAILED);
    expect(error.event).toBe("user-registered");
    expect(error.cause).toBe(original);
    expect(error.handler).toBe(failing);
    expect(error.message).toContain("user-registered");
    expect(error.message).toContain("boom");
    expect(later).not.toHaveBeenCalled();
  });

  it("name a symbol event readably, and wrap non-Error throws", () => {
    const bus = new EventBus();
    const name = Symbol("custom");
    bus.hook(name, () => {
      throw "a string";
    });
    const error = caught(() => bus.fire(name));
    expect(error.event).toBe(name);
    expect(error.cause).toBe("a string");
    expect(error.message).toBe("event Symbol(custom): a string");
  });

  it("reject the promise when an async handler rejects, or throws after an await", async () => {
    const bus = new EventBus();
    const original = new DomainError("later");
    bus.hook("first", async () => {
      throw original;
    });
    bus.hook("second", async () => undefined, 1);
    const failing = () => {
      throw original;
    };
    bus.hook("second", failing);
    for (const [name, handler] of [
      ["first", undefined],
      ["second", failing],
    ] as const) {
      const error = await (bus.fire(name) as Promise<unknown>).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(EventHandlerError);
      expect((error as EventHandlerError).event).toBe(name);
      expect((error as EventHandlerError).cause).toBe(original);
      if (handler) expect((error as EventHandlerError).handler).toBe(handler);
    }
  });

  it("are wrapped once when they pass through wrappers", () => {
    const bus = new EventBus();
    const original = new DomainError("inner");
    bus.hook("e", () => {
      throw original;
    });
    bus.addWrapper(undefined, (next, name, data) => next(name, data));
    bus.addWrapper("e", (next, name, data) => next(name, data));
    expect(caught(() => bus.fire("e")).cause).toBe(original);
  });

  it("from a wrapper itself also carry the event name", async () => {
    const bus = new EventBus();
    bus.addWrapper("sync", () => {
      throw new DomainError("wrapper");
    });
    bus.addWrapper("async", async () => {
      throw new DomainError("async wrapper");
    });
    const error = caught(() => bus.fire("sync"));
    expect(error.event).toBe("sync");
    expect(error.handler).toBeUndefined();
    const rejected = await (bus.fire("async") as Promise<unknown>).catch((e: unknown) => e);
    expect(rejected).toMatchObject({ event: "async", cause: new DomainError("async wrapper") });
  });

  it("from a nested fire record the path, outer event first", () => {
    const bus = new EventBus();
    const original = new DomainError("deep");
    bus.hook("outer", () => bus.fire("inner"));
    bus.hook("inner", () => {
      throw original;
    });
    const error = caught(() => bus.fire("outer"));
    expect(error.event).toBe("outer");
    expect(error.cause).toBeInstanceOf(EventHandlerError);
    expect((error.cause as EventHandlerError).event).toBe("inner");
    expect((error.cause as EventHandlerError).cause).toBe(original);
  });

  it("leave the bus usable", () => {
    const bus = new EventBus();
    let fail = true;
    bus.hook("e", () => {
      if (fail) throw new Error("once");
      return "ok";
    });
    expect(() => bus.fire("e")).toThrow(EventHandlerError);
    fail = false;
    expect(bus.fire("e")).toBe("ok");
  });
});
