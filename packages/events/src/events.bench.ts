import { EventEmitter } from "node:events";
import { bench, describe } from "vitest";
import { EventBus } from "./event-bus.js";
import { mitt } from "./mitt.js";

interface Payload {
  count: number;
}

// Every contender gets the very same handler functions: each does a little work and returns
// nothing, so the bus walks all of them (no halting) just as mitt and EventEmitter do.
function makeHandlers(n: number): ((data: Payload) => void)[] {
  return Array.from({ length: n }, () => (data: Payload) => {
    data.count++;
  });
}

for (const n of [1, 10, 100]) {
  describe(`${n} synchronous handler${n === 1 ? "" : "s"}`, () => {
    const handlers = makeHandlers(n);
    const payload: Payload = { count: 0 };

    const bus = new EventBus<{ tick: Payload }>();
    for (const handler of handlers) bus.hook("tick", handler);

    const emitter = mitt<{ tick: Payload }>();
    for (const handler of handlers) emitter.on("tick", handler);

    const node = new EventEmitter();
    node.setMaxListeners(0);
    for (const handler of handlers) node.on("tick", handler);

    bench("@canto/events fire", () => {
      bus.fire("tick", payload);
    });
    bench("mitt emit", () => {
      emitter.emit("tick", payload);
    });
    bench("node:events EventEmitter emit", () => {
      node.emit("tick", payload);
    });
  });
}
