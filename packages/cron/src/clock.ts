import { performance } from "node:perf_hooks";

/** An opaque handle returned by {@link Clock.setTimer}. */
export type ClockHandle = unknown;

/**
 * Where the scheduler gets time from. Inject a fake one (see `@canto/cron/testing`) to move time in
 * tests without sleeping. All values are in seconds.
 */
export interface Clock {
  /** Wall-clock time in seconds since the Unix epoch (fractions allowed). May jump. */
  now(): number;
  /** Monotonic time in seconds from an arbitrary origin. Never goes backwards. */
  monotonic(): number;
  /** Calls `callback` once, `delay` seconds from now (like `setTimeout`, but in seconds). */
  setTimer(callback: () => void, delay: number): ClockHandle;
  /** Cancels a timer from {@link Clock.setTimer}; unknown or fired handles are ignored. */
  clearTimer(handle: ClockHandle): void;
}

export interface RealClockOptions {
  /** Let the process exit while timers are pending (Node's `timeout.unref()`). Default false. */
  unref?: boolean;
}

/** Node's timers cannot wait longer than this (about 24.8 days); longer waits fire early and re-arm. */
export const MAX_TIMER_MS = 2 ** 31 - 1;

/** The clock backed by `Date.now()`, `performance.now()` and Node's `setTimeout`. */
export function createRealClock(options: RealClockOptions = {}): Clock {
  const unref = options.unref ?? false;
  return {
    now: () => Date.now() / 1000,
    monotonic: () => performance.now() / 1000,
    setTimer(callback, delay) {
      const ms = Math.min(Math.max(0, delay * 1000), MAX_TIMER_MS);
      const handle = setTimeout(callback, ms);
      if (unref) handle.unref();
      return handle;
    },
    clearTimer(handle) {
      clearTimeout(handle as ReturnType<typeof setTimeout>);
    },
  };
}

/** A shared real clock, used when none is injected. */
export const realClock: Clock = createRealClock();
