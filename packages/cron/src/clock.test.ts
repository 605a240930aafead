import { expect, it } from "vitest";
import { createRealClock, MAX_TIMER_MS } from "./clock.js";
import { createFakeClock } from "./fake-clock.js";
import { createScheduler } from "./scheduler.js";

it("the real clock reports seconds and fires a real timer", async () => {
  const clock = createRealClock({ unref: true });
  expect(Math.abs(clock.now() - Date.now() / 1000)).toBeLessThan(1);
  const start = clock.monotonic();
  await new Promise<void>((resolve) => clock.setTimer(resolve, 0.002));
  expect(clock.monotonic() - start).toBeGreaterThanOrEqual(0.001);
  let fired = false;
  clock.clearTimer(clock.setTimer(() => (fired = true), 0));
  await new Promise((resolve) => setTimeout(resolve, 2));
  expect(fired).toBe(false);
});

it("a scheduler on the real clock fires within a few milliseconds", async () => {
  const scheduler = createScheduler({ clock: createRealClock({ unref: true }) });
  const got = await new Promise<number>((resolve) => scheduler.addTimer(0.001, (now) => resolve(now)));
  expect(Math.abs(got - Date.now() / 1000)).toBeLessThan(1);
  scheduler.dispose();
});

it("never hands Node a delay it would overflow", async () => {
  const seen: number[] = [];
  const original = globalThis.setTimeout;
  const clock = createRealClock({ unref: true });
  globalThis.setTimeout = ((fn: () => void, ms: number) => {
    seen.push(ms);
    return original(fn, 0).unref();
  }) as typeof setTimeout;
  try {
    clock.clearTimer(clock.setTimer(() => {}, 365 * 86400));
    clock.clearTimer(clock.setTimer(() => {}, -1));
  } finally {
    globalThis.setTimeout = original;
  }
  expect(seen).toEqual([MAX_TIMER_MS, 0]);
});

it("a deadline beyond Node's limit wakes early and re-arms without firing", async () => {
  const clock = createFakeClock();
  let fired = 0;
  // the fake clock has no limit, so simulate one: wake after at most 10 s
  const limited = { ...clock, setTimer: (fn: () => void, d: number) => clock.setTimer(fn, Math.min(d, 10)) };
  const scheduler = createScheduler({ clock: limited });
  scheduler.addTimer(35, () => void fired++);
  await clock.advance(34);
  expect(fired).toBe(0);
  expect(clock.timersCreated).toBe(4);
  await clock.advance(1);
  expect(fired).toBe(1);
});

it("the fake clock moves wall time with advance and alone with jump/setNow", async () => {
  const clock = createFakeClock({ now: 100, monotonic: 5 });
  await clock.advance(2);
  expect([clock.now(), clock.monotonic()]).toEqual([102, 7]);
  clock.jump(-50);
  expect([clock.now(), clock.monotonic()]).toEqual([52, 7]);
  clock.setNow(1000);
  expect(clock.now()).toBe(1000);
  await expect(clock.advance(-1)).rejects.toMatchObject({ code: "invalid-delay" });
  expect(() => clock.jump(Number.NaN)).toThrowError(expect.objectContaining({ code: "invalid-delay" }));
});

it("the fake clock fires timers at their own deadlines, in order, including ones set while advancing", async () => {
  const clock = createFakeClock({ now: 0 });
  const seen: string[] = [];
  clock.setTimer(() => {
    seen.push(`b@${clock.now()}`);
    clock.setTimer(() => seen.push(`c@${clock.now()}`), 1);
  }, 2);
  clock.setTimer(() => seen.push(`a@${clock.now()}`), 1);
  clock.setTimer(() => seen.push(`late@${clock.now()}`), 10);
  await clock.advance(5);
  expect(seen).toEqual(["a@1", "b@2", "c@3"]);
  expect(clock.activeTimers).toBe(1);
});

it("the fake clock stops a timer that keeps re-arming at the same instant", async () => {
  const clock = createFakeClock({ maxFirings: 50 });
  const loop = () => void clock.setTimer(loop, 0);
  loop();
  await expect(clock.flush()).rejects.toThrow(/keeps re-arming/);
});

it("10,000 timers on the real clock hold one Node timer handle", () => {
  const timeouts = () => process.getActiveResourcesInfo().filter((r) => r === "Timeout").length;
  const before = timeouts();
  // a ref'd clock, so Node lists the handle as an active resource; disposed below
  const scheduler = createScheduler({ clock: createRealClock() });
  for (let i = 0; i < 10_000; i++) scheduler.addTimer(60 + i, () => {});
  expect(timeouts() - before).toBe(1);
  scheduler.dispose();
  expect(timeouts()).toBe(before);
});
