import { describe, expectTypeOf, it } from "vitest";
import { createEventBus, EventBus } from "./event-bus.js";
import type { Disposer, EventName, Handler, Next } from "./types.js";

// These assertions are checked by `tsc -b` (the test files are part of the project); at run time
// they only need to execute without throwing.

interface Events {
  "user-registered": { username: string };
  "server-started": undefined;
  "maybe-data": { id: number } | undefined;
}

describe("typed event maps", () => {
  it("types handler data from the map, and unknown for other names", () => {
    const bus = new EventBus<Events>();
    bus.hook("user-registered", (event) => {
      expectTypeOf(event).toEqualTypeOf<{ username: string }>();
    });
    bus.hook("anything-else", (event) => {
      expectTypeOf(event).toBeUnknown();
    });
    bus.hook(Symbol("custom"), (event) => {
      expectTypeOf(event).toBeUnknown();
    });
    // @ts-expect-error the data has no `id`
    bus.hook("user-registered", (event) => event.id);
  });

  it("checks fired data against the map", () => {
    const bus = createEventBus<Events>();
    bus.fire("user-registered", { username: "juliet" });
    // @ts-expect-error username must be a string
    bus.fire("user-registered", { username: 1 });
    // @ts-expect-error the data is required
    bus.fire("user-registered");
    bus.fire("server-started");
    bus.fire("maybe-data");
    bus.fire("maybe-data", { id: 1 });
    bus.fire("free-form", { whatever: true });
    bus.fire("free-form");
    expectTypeOf(bus.fire("user-registered", { username: "romeo" })).toBeUnknown();
    expectTypeOf(bus.fireAsync("server-started")).toEqualTypeOf<Promise<unknown>>();
  });

  it("accepts interfaces and type aliases as maps, and defaults to untyped", () => {
    type AsAlias = { ping: number };
    const aliased = new EventBus<AsAlias>();
    aliased.hook("ping", (n) => expectTypeOf(n).toBeNumber());
    const untyped = new EventBus();
    untyped.hook("ping", (data) => expectTypeOf(data).toBeUnknown());
    untyped.fire("ping", 1);
    untyped.fire("ping");
  });

  it("types registrations, handler maps and wrappers", () => {
    const bus = new EventBus<Events>();
    expectTypeOf(bus.hook("user-registered", () => undefined, 10)).toEqualTypeOf<Disposer>();
    expectTypeOf(bus.hooks({}, 5)).toEqualTypeOf<Disposer>();
    bus.hooks({
      "user-registered": (event) => expectTypeOf(event).toEqualTypeOf<{ username: string }>(),
    });
    // @ts-expect-error a declared event's handler must accept its data
    bus.hooks({ "user-registered": (event: { id: number }) => event.id });
    bus.hooks({
      "not-declared": (event) => expectTypeOf(event).toBeUnknown(),
      "user-registered": (event) => event.username,
    });
    bus.addWrapper("user-registered", (next, name, data) => {
      expectTypeOf(next).toEqualTypeOf<Next>();
      expectTypeOf(name).toEqualTypeOf<EventName>();
      expectTypeOf(data).toEqualTypeOf<{ username: string }>();
      return next(name, data);
    });
    bus.addWrapper(undefined, (next, name, data) => {
      expectTypeOf(data).toBeUnknown();
      return next(name, data);
    });
    expectTypeOf(bus.getHandlers("user-registered")).toEqualTypeOf<
      Handler<{ username: string }>[] | undefined
    >();
  });
});
