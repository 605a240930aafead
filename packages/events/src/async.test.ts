import { createHook } from "node:async_hooks";
import { describe, expect, it, vi } from "vitest";
import { EventBus } from "./event-bus.js";
import { isThenable } from "./thenable.js";

/** Counts promises created while `run` executes, through V8's promise hook (async_hooks "PROMISE"). */
function promisesCreatedBy(run: () => void): number {
  let created = 0;
  const hook = createHook({
    init(_id, type) {
      if (type === "PROMISE") created++;
    },
  });
  hook.enable();
  try {
    run();
  } finally {
    hook.disable();
  }
  return created;
}

const tick = () => new Promise<void>((resolve) => setImmediate(resolve));

describe("async handlers", () => {
  it("awaits a handler's promise before going on", async () => {
    const bus = new EventBus();
    const trace: string[] = [];
    bus.hook(
      "e",
      async () => {
        await tick();
        trace.push("slow");
      },
      2,
    );
    bus.hook("e", () => {
      trace.push("next");
    });
    const result = bus.fire("e");
    expect(isThenable(result)).toBe(true);
    expect(trace).toEqual([]);
    await expect(result).resolves.toBeUndefined();
    expect(trace).toEqual(["slow", "next"]);
  });

  it("lets an async handler halt dispatch with its resolved value", async () => {
    const bus = new EventBus();
    const later = vi.fn();
    bus.hook("e", async () => false, 1);
    bus.hook("e", later);
    await expect(bus.fire("e")).resolves.toBe(false);
    expect(later).not.toHaveBeenCalled();
  });

  it("awaits several async handlers in turn and returns the first value", async () => {
    const bus = new EventBus();
    const trace: string[] = [];
    bus.hook("e", async () => void trace.push("a"), 3);
    bus.hook("e", () => void trace.push("b"), 2);
    bus.hook("e", async () => "c", 1);
    bus.hook("e", () => "d");
    await expect(bus.fire("e")).resolves.toBe("c");
    expect(trace).toEqual(["a", "b"]);
  });

  it("accepts any thenable, not only native promises", async () => {
    const bus = new EventBus();
    // biome-ignore lint/suspicious/noThenProperty: a non-promise thenable is exactly what is tested
    const thenable = { then: (resolve: (v: unknown) => void) => resolve("from thenable") };
    bus.hook("e", () => thenable);
    await expect(bus.fire("e")).resolves.toBe("from thenable");
  });

  it("walks the snapshot taken when the dispatch began, across awaits", async () => {
    const bus = new EventBus();
    const added = vi.fn();
    const removed = vi.fn();
    bus.hook(
      "e",
      async () => {
        bus.hook("e", added, -1);
        bus.unhook("e", removed);
        await tick();
      },
      1,
    );
    bus.hook("e", removed);
    await bus.fire("e");
    expect(added).not.toHaveBeenCalled();
    expect(removed).toHaveBeenCalledTimes(1);
  });

  it("awaits through wrappers", async () => {
    const bus = new EventBus();
    bus.hook("e", async () => 21);
    bus.addWrapper(undefined, async (next, name, data) => ((await next(name, data)) as number) * 2);
    await expect(bus.fire("e")).resolves.toBe(42);
  });

  it("fireAsync always gives a promise", async () => {
    const bus = new EventBus();
    bus.hook("sync", () => "s");
    bus.hook("async", async () => "a");
    const sync = bus.fireAsync("sync");
    expect(sync).toBeInstanceOf(Promise);
    await expect(sync).resolves.toBe("s");
    await expect(bus.fireAsync("async")).resolves.toBe("a");
    await expect(bus.fireAsync("none")).resolves.toBeUndefined();
  });
});

describe("synchronous dispatch stays synchronous", () => {
  it("returns the plain value, not a thenable, when every handler is synchronous", () => {
    const bus = new EventBus();
    const value = { answer: 42 };
    bus.hook("e", () => undefined, 1);
    bus.hook("e", () => value);
    const result = bus.fire("e");
    expect(result).toBe(value);
    expect(isThenable(result)).toBe(false);
    expect(bus.fire("nothing")).toBeUndefined();
  });

  it("finishes every handler before any pending microtask runs", () => {
    const bus = new EventBus();
    const order: string[] = [];
    for (let n = 0; n < 5; n++) bus.hook("e", () => void order.push(`h${n}`));
    queueMicrotask(() => order.push("microtask"));
    bus.fire("e");
    order.push("after fire");
    expect(order).toEqual(["h0", "h1", "h2", "h3", "h4", "after fire"]);
  });

  it("creates no promise at all, counted by the promise hook", () => {
    const bus = new EventBus();
    for (let n = 0; n < 10; n++) bus.hook("e", () => undefined, n);
    bus.hook("halt", () => "done");
    bus.hook("halt", () => undefined, 1);
    bus.fire("e"); // build the sorted cache outside the measured run
    const created = promisesCreatedBy(() => {
      for (let n = 0; n < 1000; n++) {
        bus.fire("e", n);
        bus.fire("halt", n);
        bus.fire("unknown", n);
      }
    });
    expect(created).toBe(0);
  });

  it("creates no promise with wrappers and a debug hook either", () => {
    const bus = new EventBus();
    bus.hook("e", () => undefined);
    bus.addWrapper(undefined, (next, name, data) => next(name, data));
    bus.addWrapper("e", (next, name, data) => next(name, data));
    bus.setDebugHook((handler, _name, data) => handler(data));
    expect(promisesCreatedBy(() => bus.fire("e", 1))).toBe(0);
  });

  it("the promise hook does see the promises of an async handler (control)", async () => {
    const bus = new EventBus();
    bus.hook("e", async () => undefined);
    let pending: unknown;
    expect(
      promisesCreatedBy(() => {
        pending = bus.fire("e");
      }),
    ).toBeGreaterThan(0);
    await pending;
  });
});
