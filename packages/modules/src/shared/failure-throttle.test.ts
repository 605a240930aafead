import type { Module } from "canto";
import { describe, expect, it } from "vitest";
import { FailureThrottle } from "./failure-throttle.js";

/** A module whose timers fire when the test says so. */
function timedModule() {
  const timers: { delay: number; fire: () => void }[] = [];
  const module = {
    addTimer(delay: number, callback: () => unknown) {
      timers.push({ delay, fire: () => void callback() });
      return { stop() {}, reschedule() {} };
    },
  } as unknown as Module;
  return { module, timers };
}

describe("FailureThrottle", () => {
  it("blocks an address at the limit until the window its first failure opened ends", () => {
    const { module, timers } = timedModule();
    const throttle = new FailureThrottle(module, 3, 60);
    for (let i = 0; i < 2; i++) throttle.fail("192.0.2.1");
    expect(throttle.blocked("192.0.2.1")).toBe(false);
    throttle.fail("192.0.2.1");
    expect(throttle.blocked("192.0.2.1")).toBe(true);
    expect(throttle.blocked("192.0.2.2")).toBe(false);
    // One window per address, opened by its first failure.
    expect(timers.map((t) => t.delay)).toEqual([60]);
    timers[0]?.fire();
    expect(throttle.blocked("192.0.2.1")).toBe(false);
  });

  it("does nothing with a limit of 0", () => {
    const { module, timers } = timedModule();
    const throttle = new FailureThrottle(module, 0, 60);
    for (let i = 0; i < 10; i++) throttle.fail("192.0.2.1");
    expect(throttle.blocked("192.0.2.1")).toBe(false);
    expect(timers).toEqual([]);
  });
});
