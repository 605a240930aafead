import { recordingLogger } from "@canto/test-utils";
import { describe, expect, expectTypeOf, it } from "vitest";
import { CronError } from "./errors.js";
import { createFakeClock } from "./fake-clock.js";
import { createScheduler, type Timer } from "./scheduler.js";

function setup() {
  const clock = createFakeClock({ now: 1000 });
  const logger = recordingLogger();
  const scheduler = createScheduler({ clock, logger });
  return { clock, logger, scheduler };
}

describe("addTimer", () => {
  it("fires once after the delay with (now, ...args)", async () => {
    const { clock, scheduler } = setup();
    const calls: unknown[][] = [];
    scheduler.addTimer(
      2.5,
      (now, a: string, b: number) => {
        calls.push([now, a, b]);
      },
      "x",
      7,
    );
    await clock.advance(2.4);
    expect(calls).toEqual([]);
    await clock.advance(0.1);
    expect(calls).toEqual([[1002.5, "x", 7]]);
    await clock.advance(100);
    expect(calls).toHaveLength(1);
    expect(scheduler.size).toBe(0);
  });

  it("0 means the next turn, not synchronously", async () => {
    const { clock, scheduler } = setup();
    let fired = false;
    scheduler.addTimer(0, () => {
      fired = true;
    });
    expect(fired).toBe(false);
    await clock.flush();
    expect(fired).toBe(true);
  });

  it("re-arms when the callback returns a number, measured from the tick", async () => {
    const { clock, scheduler } = setup();
    const times: number[] = [];
    let n = 0;
    scheduler.addTimer(1, (now) => {
      times.push(now);
      return ++n < 3 ? 10 : undefined;
    });
    await clock.advance(100);
    expect(times).toEqual([1001, 1011, 1021]);
  });

  it("treats non-numbers as one-shot, and a negative or NaN return as one-shot with a warning", async () => {
    const { clock, scheduler, logger } = setup();
    const counts = [0, 0, 0, 0];
    const returns: unknown[] = ["5", true, -1, Number.NaN];
    returns.forEach((value, i) => {
      scheduler.addTimer(1, () => {
        counts[i]!++;
        return value;
      });
    });
    await clock.advance(50);
    expect(counts).toEqual([1, 1, 1, 1]);
    expect(logger.entries.filter((e) => e.level === "warn").map((e) => e.obj.code)).toEqual([
      "invalid-delay",
      "invalid-delay",
    ]);
  });

  it("fires equal deadlines in the order they were added, and earlier deadlines first", async () => {
    const { clock, scheduler } = setup();
    const order: string[] = [];
    scheduler.addTimer(5, () => void order.push("a5"));
    scheduler.addTimer(3, () => void order.push("b3"));
    scheduler.addTimer(5, () => void order.push("c5"));
    scheduler.addTimer(3, () => void order.push("d3"));
    scheduler.addTimer(5, () => void order.push("e5"));
    await clock.advance(5);
    expect(order).toEqual(["b3", "d3", "a5", "c5", "e5"]);
  });

  it("does not run a timer re-armed with 0 again in the same tick", async () => {
    const { clock, scheduler } = setup();
    const seenInTick: number[] = [];
    scheduler.addTimer(1, () => {
      seenInTick.push(clock.timersCreated);
      return seenInTick.length < 3 ? 0 : undefined;
    });
    await clock.advance(1);
    expect(seenInTick).toHaveLength(3);
    // each run happened in its own clock tick, after the scheduler re-armed the clock
    expect(new Set(seenInTick).size).toBe(3);
  });

  it("supports fractions and Infinity (pending until rescheduled)", async () => {
    const { clock, scheduler } = setup();
    let fired = 0;
    const t = scheduler.addTimer(Number.POSITIVE_INFINITY, () => void fired++);
    await clock.advance(1e9);
    expect(fired).toBe(0);
    expect(t.state).toBe("pending");
    expect(clock.activeTimers).toBe(0);
    t.reschedule(0.25);
    await clock.advance(0.25);
    expect(fired).toBe(1);
  });

  it("rejects bad input with stable codes", () => {
    const { scheduler } = setup();
    for (const delay of [-1, Number.NaN, "1", undefined, null]) {
      expect(() => scheduler.addTimer(delay as number, () => {})).toThrowError(
        expect.objectContaining({ code: "invalid-delay" }),
      );
    }
    expect(() => scheduler.addTimer(1, "nope" as never)).toThrowError(
      expect.objectContaining({ code: "invalid-callback" }),
    );
    const t = scheduler.addTimer(1, () => {});
    expect(() => t.reschedule(-5)).toThrow(CronError);
    expect(() => scheduler.scope("")).toThrowError(expect.objectContaining({ code: "invalid-owner" }));
  });

  it("types the extra arguments", () => {
    const { scheduler } = setup();
    expectTypeOf(
      scheduler.addTimer(1, (_now: number, a: string, b: number) => a.length + b, "s", 1),
    ).toEqualTypeOf<Timer>();
    // @ts-expect-error wrong argument type
    scheduler.addTimer(1, (_now: number, a: string) => a, 5);
    scheduler.dispose();
  });
});

describe("stop", () => {
  it("cancels a pending timer; stopping again or after firing is a no-op", async () => {
    const { clock, scheduler } = setup();
    let fired = 0;
    const t = scheduler.addTimer(1, () => void fired++);
    expect(t.stop()).toBe(true);
    expect(t.stop()).toBe(false);
    expect(t.state).toBe("done");
    await clock.advance(5);
    expect(fired).toBe(0);
    const u = scheduler.addTimer(1, () => void fired++);
    await clock.advance(1);
    expect(u.stop()).toBe(false);
    expect(clock.activeTimers).toBe(0);
  });

  it("disarm is an alias", async () => {
    const { clock, scheduler } = setup();
    let fired = 0;
    scheduler.addTimer(1, () => void fired++).disarm();
    await clock.advance(2);
    expect(fired).toBe(0);
  });

  it("inside the callback wins over a returned number", async () => {
    const { clock, scheduler } = setup();
    let fired = 0;
    const t: Timer = scheduler.addTimer(1, () => {
      fired++;
      expect(t.state).toBe("running");
      expect(t.stop()).toBe(true);
      return 1;
    });
    await clock.advance(10);
    expect(fired).toBe(1);
    expect(t.state).toBe("done");
  });

  it("of another timer due in the same tick prevents it from firing", async () => {
    const { clock, scheduler } = setup();
    const order: string[] = [];
    let b: Timer | undefined;
    scheduler.addTimer(1, () => {
      order.push("a");
      b?.stop();
    });
    b = scheduler.addTimer(1, () => void order.push("b"));
    await clock.advance(1);
    expect(order).toEqual(["a"]);
  });
});

describe("reschedule", () => {
  it("moves a pending timer from now, earlier or later", async () => {
    const { clock, scheduler } = setup();
    const fired: number[] = [];
    const t = scheduler.addTimer(10, (now) => void fired.push(now));
    await clock.advance(2);
    expect(t.reschedule(1)).toBe(true);
    await clock.advance(1);
    expect(fired).toEqual([1003]);
    const u = scheduler.addTimer(1, (now) => void fired.push(now));
    u.reschedule(30);
    await clock.advance(29);
    expect(fired).toEqual([1003]);
    await clock.advance(1);
    expect(fired).toEqual([1003, 1033]);
  });

  it("does not revive a timer that has fired or was stopped", async () => {
    const { clock, scheduler } = setup();
    let fired = 0;
    const t = scheduler.addTimer(1, () => void fired++);
    await clock.advance(1);
    expect(t.reschedule(1)).toBe(false);
    const u = scheduler.addTimer(1, () => void fired++);
    u.stop();
    expect(u.reschedule(1)).toBe(false);
    await clock.advance(10);
    expect(fired).toBe(1);
  });

  it("inside the callback sets the next run and wins over a returned number", async () => {
    const { clock, scheduler } = setup();
    const fired: number[] = [];
    let first = true;
    const t: Timer = scheduler.addTimer(1, (now) => {
      fired.push(now);
      if (first) {
        first = false;
        t.reschedule(7);
        return 100;
      }
      return undefined;
    });
    await clock.advance(500);
    expect(fired).toEqual([1001, 1008]);
  });
});

describe("errors", () => {
  it("are logged with the owner, and the timer does not repeat", async () => {
    const { clock, scheduler, logger } = setup();
    const scope = scheduler.scope("example.com/mod_ping");
    let n = 0;
    scope.addTimer(1, () => {
      n++;
      throw new Error("boom");
    });
    let other = 0;
    scheduler.addTimer(1, () => void other++);
    await clock.advance(10);
    expect(n).toBe(1);
    expect(other).toBe(1);
    const error = logger.entries.find((e) => e.level === "error");
    expect(error?.obj.owner).toBe("example.com/mod_ping");
    expect(error?.obj.err).toMatchObject({ message: "boom" });
    expect(scope.size).toBe(0);
  });

  it("a rejected promise from a callback is logged and the timer does not repeat", async () => {
    const { clock, scheduler, logger } = setup();
    let n = 0;
    scheduler.scope("m").addTimer(1, async () => {
      n++;
      throw new Error("async boom");
    });
    await clock.advance(10);
    expect(n).toBe(1);
    expect(logger.entries.find((e) => e.level === "error")?.obj.owner).toBe("m");
  });
});

describe("owners", () => {
  it("stopOwner stops pending timers and a running one, and leaves others", async () => {
    const { clock, scheduler } = setup();
    const a = scheduler.scope("a");
    let fromA = 0;
    let fromB = 0;
    a.addTimer(1, () => {
      fromA++;
      scheduler.stopOwner("a");
      return 1;
    });
    a.addTimer(50, () => void fromA++);
    scheduler.scope("b").addTimer(1, () => {
      fromB++;
      return 1;
    });
    expect(scheduler.ownerSize("a")).toBe(2);
    await clock.advance(5);
    expect(fromA).toBe(1);
    expect(fromB).toBe(5);
    expect(scheduler.ownerSize("a")).toBe(0);
    await clock.advance(100);
    expect(fromA).toBe(1);
  });

  it("a timer stopped by its owner's unload cannot reschedule itself back", async () => {
    const { clock, scheduler } = setup();
    let n = 0;
    const t: Timer = scheduler.scope("m").addTimer(1, () => {
      n++;
      scheduler.stopOwner("m");
      expect(t.reschedule(1)).toBe(false);
      return 1;
    });
    await clock.advance(10);
    expect(n).toBe(1);
    expect(scheduler.size).toBe(0);
  });

  it("a disposed scope stops its timers and refuses new ones", async () => {
    const { clock, scheduler } = setup();
    const scope = scheduler.scope("mod");
    let n = 0;
    scope.addTimer(1, () => void n++);
    scope.addTimer(2, () => void n++);
    expect(scope.size).toBe(2);
    scope.dispose();
    expect(scope.size).toBe(0);
    await clock.advance(5);
    expect(n).toBe(0);
    expect(() => scope.addTimer(1, () => {})).toThrowError(
      expect.objectContaining({ code: "scheduler-disposed" }),
    );
  });

  it("dispose stops everything and releases the clock handle", async () => {
    const { clock, scheduler } = setup();
    scheduler.addTimer(1, () => {});
    scheduler.scope("x").addTimer(2, () => {});
    expect(clock.activeTimers).toBe(1);
    scheduler.dispose();
    expect(clock.activeTimers).toBe(0);
    expect(scheduler.size).toBe(0);
    expect(() => scheduler.addTimer(1, () => {})).toThrowError(
      expect.objectContaining({ code: "scheduler-disposed" }),
    );
  });
});

describe("one clock handle for every timer", () => {
  it("100,000 pending timers use one clock timer and fire in deadline order", async () => {
    const { clock, scheduler } = setup();
    const n = 100_000;
    let fired = 0;
    let last = -1;
    let ordered = true;
    const timers: Timer[] = [];
    for (let i = 0; i < n; i++) {
      // 100 distinct deadlines in a scrambled order; equal deadlines fire in insertion order
      const slot = (i * 7919) % 100;
      const rank = slot * n + i;
      timers.push(
        scheduler.addTimer(1 + slot / 100, () => {
          if (rank < last) ordered = false;
          last = rank;
          fired++;
        }),
      );
    }
    expect(scheduler.pending).toBe(n);
    expect(clock.activeTimers).toBe(1);
    // stopping a tenth of them in the middle of the heap is cheap and exact
    for (let i = 0; i < n; i += 10) timers[i]!.stop();
    await clock.advance(2);
    expect(fired).toBe(n - n / 10);
    expect(ordered).toBe(true);
    expect(clock.maxActiveTimers).toBe(1);
    expect(clock.activeTimers).toBe(0);
  });

  it("re-arms the clock only when the earliest deadline moves earlier", () => {
    const { clock, scheduler } = setup();
    scheduler.addTimer(10, () => {});
    scheduler.addTimer(20, () => {});
    scheduler.addTimer(30, () => {});
    expect(clock.timersCreated).toBe(1);
    scheduler.addTimer(5, () => {});
    expect(clock.timersCreated).toBe(2);
    expect(clock.activeTimers).toBe(1);
  });
});
