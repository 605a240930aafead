import { expect, it, vi } from "vitest";
import { mitt } from "./mitt.js";

it("resolves mitt's factory to a working emitter despite its NodeNext typings", () => {
  expect(typeof mitt).toBe("function");
  const emitter = mitt<{ ping: number }>();
  const listener = vi.fn();
  emitter.on("ping", listener);
  emitter.emit("ping", 7);
  expect(listener).toHaveBeenCalledWith(7);
});
