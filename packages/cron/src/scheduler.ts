import { isThenable, type Logger, silentLogger } from "@canto/events";
import { type Clock, type ClockHandle, realClock } from "./clock.js";
import { CronError, describe } from "./errors.js";
import { type HeapNode, IndexedHeap } from "./heap.js";

/**
 * A timer callback. It receives the wall-clock time in seconds and the extra arguments given to
 * `addTimer`. Returning a finite number of seconds (>= 0) re-arms the timer that long after the
 * start of the current tick; anything else makes it one-shot.
 */
export type TimerCallback<A extends unknown[] = unknown[]> = (now: number, ...args: A) => unknown;

/** A timer's life: waiting in the heap, inside its callback, or finished for good. */
export type TimerState = "pending" | "running" | "done";

/** The object `addTimer` returns. */
export interface Timer {
  /** Who owns the timer (for logs and `stopOwner`), if anyone. */
  readonly owner: string | undefined;
  readonly state: TimerState;
  /** Monotonic deadline in seconds while pending; `undefined` otherwise. */
  readonly deadline: number | undefined;
  /**
   * Cancels the timer. Inside its own callback it also wins over a returned number: the timer will
   * not re-arm. Returns whether there was anything to stop.
   */
  stop(): boolean;
  /** Alias of {@link Timer.stop}, as in Prosody. */
  disarm(): boolean;
  /**
   * Moves a pending timer to fire `delay` seconds from now. Inside its own callback it sets the next
   * run and wins over a returned number. A timer that has finished stays finished: returns false.
   */
  reschedule(delay: number): boolean;
}

/** Registers timers under one owner; `dispose()` stops all of them. */
export interface TimerScope {
  readonly owner: string;
  addTimer<A extends unknown[]>(delay: number, callback: TimerCallback<A>, ...args: A): Timer;
  /** Number of this owner's timers that are pending or running. */
  readonly size: number;
  /** Stops every timer of this owner. Later `addTimer` calls on this scope throw. */
  dispose(): void;
}

export interface SchedulerOptions {
  /** Defaults to the real clock. */
  clock?: Clock;
  /** Defaults to a silent logger. */
  logger?: Logger;
}

const NO_ARGS: unknown[] = [];

/** Throws unless `delay` is a number of seconds >= 0 (Infinity allowed: never fires until rescheduled). */
export function checkDelay(delay: unknown, what = "delay"): number {
  if (typeof delay !== "number" || Number.isNaN(delay) || delay < 0) {
    throw new CronError(
      "invalid-delay",
      `${what} must be a number of seconds >= 0 (or Infinity), got ${describe(delay)}`,
    );
  }
  return delay;
}

class TimerEntry implements HeapNode, Timer {
  key = 0;
  seq = 0;
  heapIndex = -1;
  state: TimerState = "pending";
  /** Set while running when stop() or reschedule() was called from inside the callback. */
  next: number | "stop" | undefined = undefined;

  constructor(
    readonly scheduler: Scheduler,
    readonly callback: TimerCallback<unknown[]>,
    readonly args: unknown[],
    readonly owner: string | undefined,
  ) {}

  get deadline(): number | undefined {
    return this.state === "pending" ? this.key : undefined;
  }

  stop(): boolean {
    return this.scheduler._stop(this);
  }

  disarm(): boolean {
    return this.stop();
  }

  reschedule(delay: number): boolean {
    return this.scheduler._reschedule(this, checkDelay(delay));
  }
}

/**
 * Every timer lives in one binary heap ordered by deadline (ties: the order they were scheduled),
 * behind a single clock timer armed for the earliest deadline. A pending timer costs one small
 * object and a heap slot; adding, stopping and firing are O(log n).
 */
export class Scheduler {
  readonly clock: Clock;
  readonly logger: Logger;
  readonly #heap = new IndexedHeap<TimerEntry>();
  readonly #owners = new Map<string, Set<TimerEntry>>();
  #seq = 0;
  #handle: ClockHandle | undefined = undefined;
  #armedFor = Number.POSITIVE_INFINITY;
  #ticking = false;
  #running = 0;
  #disposed = false;

  constructor(options: SchedulerOptions = {}) {
    this.clock = options.clock ?? realClock;
    this.logger = options.logger ?? silentLogger;
  }

  /** Number of timers that are pending or running. */
  get size(): number {
    return this.#heap.size + this.#running;
  }

  /** Number of pending timers (in the heap). */
  get pending(): number {
    return this.#heap.size;
  }

  /**
   * Calls `callback(now, ...args)` after `delay` seconds (fractions allowed; 0 means the next turn
   * of the event loop; Infinity waits until rescheduled).
   */
  addTimer<A extends unknown[]>(delay: number, callback: TimerCallback<A>, ...args: A): Timer {
    return this._add(undefined, delay, callback as TimerCallback<unknown[]>, args);
  }

  /** A view of this scheduler whose timers belong to `owner`. */
  scope(owner: string): TimerScope {
    checkOwner(owner);
    const scheduler = this;
    let disposed = false;
    return {
      owner,
      addTimer<A extends unknown[]>(delay: number, callback: TimerCallback<A>, ...args: A): Timer {
        if (disposed) {
          throw new CronError("scheduler-disposed", `the timer scope of ${owner} has been disposed`);
        }
        return scheduler._add(owner, delay, callback as TimerCallback<unknown[]>, args);
      },
      get size() {
        return disposed ? 0 : scheduler.ownerSize(owner);
      },
      dispose() {
        disposed = true;
        scheduler.stopOwner(owner);
      },
    };
  }

  /** Timers of `owner` that are pending or running. */
  ownerSize(owner: string): number {
    return this.#owners.get(owner)?.size ?? 0;
  }

  /** Stops every timer of `owner`, including one whose callback is running now. Returns how many. */
  stopOwner(owner: string): number {
    const set = this.#owners.get(owner);
    if (!set) return 0;
    let n = 0;
    for (const timer of [...set]) if (this._stop(timer)) n++;
    this.#owners.delete(owner);
    return n;
  }

  /** Stops every timer and releases the clock handle. Later `addTimer` calls throw. */
  dispose(): void {
    this.#disposed = true;
    for (const timer of this.#heap.drain()) timer.state = "done";
    for (const set of this.#owners.values())
      for (const timer of set) if (timer.state === "running") timer.next = "stop";
    this.#owners.clear();
    this.#disarmClock();
  }

  /** @internal */
  _add(owner: string | undefined, delay: number, callback: TimerCallback<unknown[]>, args: unknown[]): Timer {
    if (this.#disposed) throw new CronError("scheduler-disposed", "the scheduler has been disposed");
    checkDelay(delay);
    if (typeof callback !== "function") {
      throw new CronError("invalid-callback", `timer callback must be a function, got ${describe(callback)}`);
    }
    const timer = new TimerEntry(this, callback, args.length === 0 ? NO_ARGS : args, owner);
    if (owner !== undefined) {
      let set = this.#owners.get(owner);
      if (!set) {
        set = new Set();
        this.#owners.set(owner, set);
      }
      set.add(timer);
    }
    this.#insert(timer, this.clock.monotonic() + delay);
    return timer;
  }

  /** @internal */
  _stop(timer: TimerEntry): boolean {
    if (timer.state === "pending") {
      this.#heap.remove(timer);
      this.#finish(timer);
      if (this.#heap.size === 0) this.#disarmClock();
      return true;
    }
    if (timer.state === "running") {
      const had = timer.next !== "stop";
      timer.next = "stop";
      return had;
    }
    return false;
  }

  /** @internal */
  _reschedule(timer: TimerEntry, delay: number): boolean {
    if (timer.state === "running") {
      // once stopped (by itself or by its owner's unload), a running timer stays stopped
      if (timer.next === "stop") return false;
      timer.next = delay;
      return true;
    }
    if (timer.state !== "pending") return false;
    timer.key = this.clock.monotonic() + delay;
    timer.seq = this.#seq++;
    this.#heap.update(timer);
    this.#arm();
    return true;
  }

  #insert(timer: TimerEntry, deadline: number): void {
    timer.key = deadline;
    timer.seq = this.#seq++;
    timer.state = "pending";
    timer.next = undefined;
    this.#heap.push(timer);
    this.#arm();
  }

  #finish(timer: TimerEntry): void {
    timer.state = "done";
    if (timer.owner !== undefined) {
      const set = this.#owners.get(timer.owner);
      if (set) {
        set.delete(timer);
        if (set.size === 0) this.#owners.delete(timer.owner);
      }
    }
  }

  /** Makes sure the clock timer fires no later than the earliest deadline. */
  #arm(): void {
    if (this.#ticking) return;
    const top = this.#heap.peek();
    if (!top || top.key === Number.POSITIVE_INFINITY) {
      this.#disarmClock();
      return;
    }
    if (this.#handle !== undefined && this.#armedFor <= top.key) return;
    if (this.#handle !== undefined) this.clock.clearTimer(this.#handle);
    this.#armedFor = top.key;
    this.#handle = this.clock.setTimer(this.#tick, Math.max(0, top.key - this.clock.monotonic()));
  }

  #disarmClock(): void {
    if (this.#handle !== undefined) this.clock.clearTimer(this.#handle);
    this.#handle = undefined;
    this.#armedFor = Number.POSITIVE_INFINITY;
  }

  readonly #tick = (): void => {
    this.#handle = undefined;
    this.#armedFor = Number.POSITIVE_INFINITY;
    this.#ticking = true;
    try {
      const tickStart = this.clock.monotonic();
      // Timers added or re-armed during this tick get a newer seq and wait for the next tick.
      const seqLimit = this.#seq;
      for (;;) {
        const top = this.#heap.peek();
        if (!top || top.key > tickStart || top.seq >= seqLimit) break;
        this.#heap.pop();
        this.#fire(top, tickStart);
      }
    } finally {
      this.#ticking = false;
      if (!this.#disposed) this.#arm();
    }
  };

  #fire(timer: TimerEntry, tickStart: number): void {
    timer.state = "running";
    timer.next = undefined;
    this.#running++;
    let result: unknown;
    let failed = false;
    try {
      const args = timer.args;
      result =
        args.length === 0 ? timer.callback(this.clock.now()) : timer.callback(this.clock.now(), ...args);
    } catch (err) {
      failed = true;
      this.logger.error({ err, owner: timer.owner }, "error in timer callback; the timer will not repeat");
    } finally {
      this.#running--;
    }
    if (!failed && isThenable(result)) {
      const owner = timer.owner;
      result.then(undefined, (err: unknown) => {
        this.logger.error({ err, owner }, "timer callback rejected; the timer will not repeat");
      });
      result = undefined;
    }
    const next = timer.next;
    if (failed || next === "stop" || this.#disposed) {
      this.#finish(timer);
      return;
    }
    if (typeof next === "number") {
      this.#insert(timer, this.clock.monotonic() + next);
      return;
    }
    if (typeof result === "number" && result !== Number.POSITIVE_INFINITY) {
      if (Number.isNaN(result) || result < 0) {
        this.logger.warn(
          { owner: timer.owner, code: "invalid-delay", returned: result },
          "timer callback returned an invalid delay; the timer will not repeat",
        );
        this.#finish(timer);
        return;
      }
      this.#insert(timer, tickStart + result);
      return;
    }
    this.#finish(timer);
  }
}

export function checkOwner(owner: unknown): asserts owner is string {
  if (typeof owner !== "string" || owner === "") {
    throw new CronError("invalid-owner", `owner must be a non-empty string, got ${describe(owner)}`);
  }
}

/** Creates a scheduler. See {@link Scheduler}. */
export function createScheduler(options: SchedulerOptions = {}): Scheduler {
  return new Scheduler(options);
}
