import type { Clock, ClockHandle } from "./clock.js";
import { CronError, describe } from "./errors.js";

/** A clock for tests: time only moves when you say so. */
export interface FakeClock extends Clock {
  /**
   * Moves both clocks forward by `seconds`, firing due timers one by one in deadline order, each at
   * its own deadline. After each timer the event loop is allowed to settle (see `flush`), so async
   * work started by a timer, such as a periodic task awaiting its store, completes within the same
   * `advance`, including timers it sets that fall within the window.
   */
  advance(seconds: number): Promise<void>;
  /** Fires everything due now and lets async work settle, without moving time. */
  flush(): Promise<void>;
  /** Moves only the wall clock (an NTP correction, a suspended VM): negative goes back. Fires nothing. */
  jump(seconds: number): void;
  /** Sets the wall clock to `seconds` since the epoch. Fires nothing. */
  setNow(seconds: number): void;
  /** Clock timers currently set and not yet fired or cleared. */
  readonly activeTimers: number;
  /** How many times `setTimer` has been called. */
  readonly timersCreated: number;
  /** Highest number of clock timers that were active at the same moment. */
  readonly maxActiveTimers: number;
}

export interface FakeClockOptions {
  /** Initial wall-clock time in seconds. Default 1_700_000_000 (November 2023). */
  now?: number;
  /** Initial monotonic time in seconds. Default 0. */
  monotonic?: number;
  /** How many macrotask turns `flush` waits for async work to settle. Default 5. */
  settleTurns?: number;
  /** Safety stop for a timer that keeps re-arming itself with 0 s. Default 100_000 timer firings per call. */
  maxFirings?: number;
}

interface FakeTimer {
  deadline: number;
  seq: number;
  callback: () => void;
}

const settle = () => new Promise<void>((resolve) => setImmediate(resolve));

/** Creates a {@link FakeClock}. Pass it as `clock` to a scheduler or to `createCron`. */
export function createFakeClock(options: FakeClockOptions = {}): FakeClock {
  let wall = options.now ?? 1_700_000_000;
  let mono = options.monotonic ?? 0;
  const settleTurns = options.settleTurns ?? 5;
  const maxFirings = options.maxFirings ?? 100_000;
  const timers = new Set<FakeTimer>();
  let seq = 0;
  let created = 0;
  let maxActive = 0;

  function earliestDue(limit: number): FakeTimer | undefined {
    let best: FakeTimer | undefined;
    for (const t of timers) {
      if (t.deadline > limit) continue;
      if (!best || t.deadline < best.deadline || (t.deadline === best.deadline && t.seq < best.seq)) best = t;
    }
    return best;
  }

  async function settleAll(): Promise<void> {
    for (let i = 0; i < settleTurns; i++) await settle();
  }

  async function runUntil(target: number): Promise<void> {
    let firings = 0;
    for (;;) {
      const next = earliestDue(target);
      if (!next) {
        if (mono < target) {
          wall += target - mono;
          mono = target;
        }
        await settleAll();
        // Async work may have set timers that are already due.
        if (!earliestDue(target)) return;
        continue;
      }
      if (next.deadline > mono) {
        wall += next.deadline - mono;
        mono = next.deadline;
      }
      timers.delete(next);
      if (++firings > maxFirings) {
        throw new Error(
          `fake clock: more than ${maxFirings} timer firings in one call; a timer keeps re-arming`,
        );
      }
      next.callback();
      await settleAll();
    }
  }

  return {
    now: () => wall,
    monotonic: () => mono,
    setTimer(callback, delay): ClockHandle {
      const timer: FakeTimer = { deadline: mono + Math.max(0, delay), seq: seq++, callback };
      timers.add(timer);
      created++;
      if (timers.size > maxActive) maxActive = timers.size;
      return timer;
    },
    clearTimer(handle) {
      timers.delete(handle as FakeTimer);
    },
    advance(seconds) {
      if (typeof seconds !== "number" || !Number.isFinite(seconds) || seconds < 0) {
        return Promise.reject(
          new CronError(
            "invalid-delay",
            `advance() takes a finite number of seconds >= 0, got ${describe(seconds)}`,
          ),
        );
      }
      return runUntil(mono + seconds);
    },
    flush: () => runUntil(mono),
    jump(seconds) {
      if (typeof seconds !== "number" || !Number.isFinite(seconds)) {
        throw new CronError(
          "invalid-delay",
          `jump() takes a finite number of seconds, got ${describe(seconds)}`,
        );
      }
      wall += seconds;
    },
    setNow(seconds) {
      if (typeof seconds !== "number" || !Number.isFinite(seconds)) {
        throw new CronError(
          "invalid-delay",
          `setNow() takes a finite number of seconds, got ${describe(seconds)}`,
        );
      }
      wall = seconds;
    },
    get activeTimers() {
      return timers.size;
    },
    get timersCreated() {
      return created;
    },
    get maxActiveTimers() {
      return maxActive;
    },
  };
}
