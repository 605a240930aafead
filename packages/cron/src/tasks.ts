import { randomUUID } from "node:crypto";
import { type Logger, silentLogger } from "@canto/events";
import Keyv, { type KeyvStoreAdapter } from "keyv";
import type { Clock } from "./clock.js";
import { CronError, describe } from "./errors.js";
import { createKeyvLock, type TaskLock } from "./lease.js";
import { checkWhen, clampPeriod, parsePeriod, WHEN_PERIODS, type When } from "./period.js";
import { checkOwner, Scheduler, type Timer } from "./scheduler.js";

/** The body of a periodic task. `startedAt` is the wall-clock second the run began. */
export type TaskRun = (task: Task, startedAt: number) => unknown;

/** What you register: how often, and what to run. */
export interface TaskSpec {
  /** Key of the last-run record. Default `<owner>/<slug of name>` (or the slug alone without owner). */
  id?: string;
  /** Default: the value of `when`. */
  name?: string;
  when: When;
  /** Seconds or a period string (`"2 days"`); overrides `when`. Clamped to 60 s – 53 weeks. */
  period?: number | string;
  run: TaskRun;
}

/** A registered task, with what the status page needs. */
export interface Task {
  readonly id: string;
  readonly name: string;
  readonly when: When;
  /** Effective period in seconds, after the period option and clamping. */
  readonly period: number;
  readonly owner: string | undefined;
  readonly spec: TaskSpec;
  /** Wall-clock second the last successful run started (from the store or this process). */
  readonly last: number | undefined;
  /** Seconds the last run took, successful or not. */
  readonly lastDuration: number | undefined;
  /** The error of the last run if it failed; `undefined` after a success. */
  readonly lastError: unknown;
  readonly running: boolean;
  /** False once removed (by `remove`, `stopOwner`, a scope's `dispose` or the cron's). */
  readonly active: boolean;
}

/** Tasks registered under one owner; `dispose()` removes them all. */
export interface CronScope {
  readonly owner: string;
  add(spec: TaskSpec): Task;
  hourly(name: string | TaskRun, run?: TaskRun): Task;
  daily(name: string | TaskRun, run?: TaskRun): Task;
  weekly(name: string | TaskRun, run?: TaskRun): Task;
  tasks(): Task[];
  dispose(): void;
}

export interface LeaseOptions {
  /** Seconds a claim lasts; renewed every third of it while the task runs. Default 600. */
  ttl?: number;
  /** Seconds between writing a claim and reading it back. Default 0.5. See {@link createKeyvLock}. */
  settle?: number;
  /** Replace the Keyv lease with an atomic one (Redis `SET NX PX`, a SQL row lock, ...). */
  lock?: TaskLock;
}

export interface CronOptions {
  /** A ready Keyv instance for last-run records and leases. Its namespace must not contain `:`. */
  keyv?: Keyv;
  /** Or a Keyv store adapter (or a `Map`), wrapped in a Keyv with `namespace`. Default: a new `Map`. */
  store?: KeyvStoreAdapter | Map<unknown, unknown>;
  /** Namespace when wrapping `store`. Default `"cron"`. */
  namespace?: string;
  /** Share a scheduler (and its clock). Default: a new scheduler on `clock`. */
  scheduler?: Scheduler;
  clock?: Clock;
  logger?: Logger;
  /**
   * Reads a configured period by option name (`<id with / as _>_period`, e.g.
   * `mam_remove_expired_messages_period`): seconds or a period string. `undefined` means unset.
   */
  periodOption?: (name: string) => unknown;
  /** Seconds before the first check. Default 1. */
  initialDelay?: number;
  /** Seconds between checks. Default 3600. */
  checkInterval?: number;
  /** Each interval is multiplied by `1 - f + 2f * random()`. Default 0. */
  spreadFactor?: number;
  random?: () => number;
  /** Coordination between processes sharing the store. `false` turns it off (one process only). */
  lease?: LeaseOptions | false;
  /** Identifies this process in leases. Default: a random UUID. */
  holder?: string;
  /** Start the checks at once. Default true; otherwise call `start()`. */
  autoStart?: boolean;
}

interface LastRecord {
  startedAt: number;
  duration?: number;
}

class TaskEntry implements Task {
  last: number | undefined = undefined;
  lastDuration: number | undefined = undefined;
  lastError: unknown = undefined;
  running = false;
  active = true;

  constructor(
    readonly id: string,
    readonly name: string,
    readonly when: When,
    readonly period: number,
    readonly owner: string | undefined,
    readonly spec: TaskSpec,
  ) {}
}

/** Prosody's `name:gsub("%W", "_"):lower()`: every byte that is not an ASCII letter or digit becomes `_`. */
export function slugify(name: string): string {
  let out = "";
  for (const ch of name) {
    if (/^[A-Za-z0-9]$/.test(ch)) out += ch.toLowerCase();
    else out += "_".repeat(Buffer.byteLength(ch, "utf8"));
  }
  return out;
}

/** A task is due when it never ran, when `last + 0.995 × period <= now`, or when its record lies more than a period in the future. */
export function isDue(last: number | undefined, period: number, now: number): boolean {
  if (last === undefined) return true;
  if (last + period * 0.995 <= now) return true;
  return last - now > period;
}

function specFrom(when: When, name: string | TaskRun, run: TaskRun | undefined): TaskSpec {
  if (typeof name === "function") return { when, run: name };
  if (typeof run !== "function") {
    throw new CronError("invalid-task", `${when}(name, run): run must be a function, got ${describe(run)}`);
  }
  return { name, when, run };
}

/** Builds an hourly task spec. With a function alone, the name defaults to `"hourly"`. */
export function hourly(name: string | TaskRun, run?: TaskRun): TaskSpec {
  return specFrom("hourly", name, run);
}
/** Builds a daily task spec. */
export function daily(name: string | TaskRun, run?: TaskRun): TaskSpec {
  return specFrom("daily", name, run);
}
/** Builds a weekly task spec. */
export function weekly(name: string | TaskRun, run?: TaskRun): TaskSpec {
  return specFrom("weekly", name, run);
}

function readRecord(value: unknown): LastRecord | undefined {
  if (typeof value === "number" && Number.isFinite(value)) return { startedAt: value };
  if (typeof value === "object" && value !== null) {
    const r = value as Partial<LastRecord>;
    if (typeof r.startedAt === "number" && Number.isFinite(r.startedAt)) {
      return typeof r.duration === "number"
        ? { startedAt: r.startedAt, duration: r.duration }
        : { startedAt: r.startedAt };
    }
  }
  return undefined;
}

function checkSeconds(value: unknown, name: string, min: number): number {
  if (typeof value !== "number" || !Number.isFinite(value) || value < min) {
    throw new CronError(
      "invalid-option",
      `${name} must be a finite number >= ${min}, got ${describe(value)}`,
    );
  }
  return value;
}

/**
 * Periodic tasks that run once per period, across restarts and across processes sharing a store.
 * Every `checkInterval` seconds (the first check `initialDelay` seconds after start) each task is
 * queued; one runner takes them one at a time and runs those that are due.
 */
export class Cron {
  readonly keyv: Keyv;
  readonly scheduler: Scheduler;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly holder: string;
  readonly #ownsScheduler: boolean;
  readonly #tasks = new Set<TaskEntry>();
  readonly #queue: TaskEntry[] = [];
  readonly #queued = new Set<TaskEntry>();
  readonly #periodOption: ((name: string) => unknown) | undefined;
  readonly #initialDelay: number;
  readonly #checkInterval: number;
  readonly #spread: number;
  readonly #random: () => number;
  readonly #lock: TaskLock | undefined;
  readonly #leaseTtl: number;
  #draining: Promise<void> | undefined = undefined;
  readonly #sleeps = new Set<() => void>();
  #checkTimer: Timer | undefined = undefined;
  #disposed = false;

  constructor(options: CronOptions = {}) {
    this.logger = options.logger ?? silentLogger;
    if (options.keyv && options.store) {
      throw new CronError("invalid-option", "pass either keyv or store, not both");
    }
    if (options.scheduler && options.clock && options.clock !== options.scheduler.clock) {
      throw new CronError("invalid-option", "clock differs from the clock of the given scheduler");
    }
    if (options.scheduler) {
      this.scheduler = options.scheduler;
      this.#ownsScheduler = false;
    } else {
      this.scheduler = new Scheduler({
        logger: this.logger,
        ...(options.clock ? { clock: options.clock } : {}),
      });
      this.#ownsScheduler = true;
    }
    this.clock = this.scheduler.clock;
    if (options.keyv) {
      this.keyv = options.keyv;
    } else {
      const namespace = options.namespace ?? "cron";
      this.keyv = new Keyv({ store: options.store ?? new Map(), namespace });
    }
    const namespace = options.keyv ? options.keyv.namespace : (options.namespace ?? "cron");
    if (namespace !== undefined && (typeof namespace !== "string" || namespace.includes(":"))) {
      throw new CronError(
        "invalid-namespace",
        `the Keyv namespace must not contain ":", got ${describe(namespace)}`,
      );
    }
    this.#periodOption = options.periodOption;
    this.#initialDelay = checkSeconds(options.initialDelay ?? 1, "initialDelay", 0);
    this.#checkInterval = checkSeconds(options.checkInterval ?? 3600, "checkInterval", 1);
    const spread = options.spreadFactor ?? 0;
    if (typeof spread !== "number" || !(spread >= 0 && spread < 1)) {
      throw new CronError("invalid-option", `spreadFactor must be >= 0 and < 1, got ${describe(spread)}`);
    }
    this.#spread = spread;
    this.#random = options.random ?? Math.random;
    this.holder = options.holder ?? randomUUID();
    const lease = options.lease ?? {};
    if (lease === false) {
      this.#lock = undefined;
      this.#leaseTtl = 0;
    } else {
      this.#leaseTtl = checkSeconds(lease.ttl ?? 600, "lease.ttl", 1);
      const settle = checkSeconds(lease.settle ?? 0.5, "lease.settle", 0);
      this.#lock =
        lease.lock ??
        createKeyvLock({
          keyv: this.keyv,
          clock: this.clock,
          settle,
          sleep: (seconds) => this.#sleep(seconds),
        });
    }
    if (options.autoStart ?? true) this.start();
  }

  /** Schedules the checks (first after `initialDelay`). Idempotent. */
  start(): void {
    this.#assertLive();
    if (this.#checkTimer) return;
    this.#checkTimer = this.scheduler.addTimer(this.#initialDelay, () => {
      this.#enqueueAll();
      return this.#nextInterval();
    });
  }

  /** Registers a task. Its id and name are filled in as Prosody does, and its period option is read. */
  add(spec: TaskSpec, owner?: string): Task {
    this.#assertLive();
    if (owner !== undefined) checkOwner(owner);
    if (typeof spec !== "object" || spec === null) {
      throw new CronError("invalid-task", `a task spec must be an object, got ${describe(spec)}`);
    }
    const when = checkWhen(spec.when);
    if (typeof spec.run !== "function") {
      throw new CronError("invalid-task", `task run must be a function, got ${describe(spec.run)}`);
    }
    if (spec.name !== undefined && typeof spec.name !== "string") {
      throw new CronError("invalid-task", `task name must be a string, got ${describe(spec.name)}`);
    }
    if (spec.id !== undefined && (typeof spec.id !== "string" || spec.id === "")) {
      throw new CronError("invalid-task", `task id must be a non-empty string, got ${describe(spec.id)}`);
    }
    const name = spec.name ?? when;
    const id = spec.id ?? (owner !== undefined ? `${owner}/${slugify(name)}` : slugify(name));
    let fallback = WHEN_PERIODS[when];
    if (spec.period !== undefined) {
      const parsed = parsePeriod(spec.period);
      if (parsed === undefined) {
        throw new CronError(
          "invalid-period",
          `task ${id}: period must be seconds or a period such as "2 days", got ${describe(spec.period)}`,
        );
      }
      fallback = parsed;
    }
    const period = this.#resolvePeriod(id, fallback, owner);
    const task = new TaskEntry(id, name, when, period, owner, spec);
    this.#tasks.add(task);
    return task;
  }

  hourly(name: string | TaskRun, run?: TaskRun): Task {
    return this.add(hourly(name, run));
  }
  daily(name: string | TaskRun, run?: TaskRun): Task {
    return this.add(daily(name, run));
  }
  weekly(name: string | TaskRun, run?: TaskRun): Task {
    return this.add(weekly(name, run));
  }

  /** Tasks registered under `owner`, which they are named after and removed with. */
  scope(owner: string): CronScope {
    checkOwner(owner);
    const cron = this;
    let disposed = false;
    const add = (spec: TaskSpec): Task => {
      if (disposed) throw new CronError("cron-disposed", `the cron scope of ${owner} has been disposed`);
      return cron.add(spec, owner);
    };
    return {
      owner,
      add,
      hourly: (name, run) => add(hourly(name, run)),
      daily: (name, run) => add(daily(name, run)),
      weekly: (name, run) => add(weekly(name, run)),
      tasks: () => cron.tasks().filter((t) => t.owner === owner),
      dispose() {
        disposed = true;
        cron.stopOwner(owner);
      },
    };
  }

  /** Every active task, in registration order. */
  tasks(): Task[] {
    return [...this.#tasks];
  }

  /** Removes a task. A run in progress finishes; the task is not run again. Returns whether it was registered. */
  remove(task: Task): boolean {
    const entry = task as TaskEntry;
    if (!this.#tasks.delete(entry)) return false;
    entry.active = false;
    return true;
  }

  /** Removes every task of `owner`. Returns how many. */
  stopOwner(owner: string): number {
    let n = 0;
    for (const task of [...this.#tasks]) if (task.owner === owner && this.remove(task)) n++;
    return n;
  }

  /** Queues every task now (outside the regular checks) and resolves when the runner is idle. */
  check(): Promise<void> {
    this.#assertLive();
    this.#enqueueAll();
    return this.idle();
  }

  /** Resolves when no task is queued or running. */
  async idle(): Promise<void> {
    while (this.#draining) await this.#draining;
  }

  /** Stops the checks and removes every task; resolves once a run in progress has finished. */
  async dispose(): Promise<void> {
    if (this.#disposed) return this.idle();
    this.#disposed = true;
    this.#checkTimer?.stop();
    for (const task of [...this.#tasks]) this.remove(task);
    this.#queue.length = 0;
    this.#queued.clear();
    for (const wake of [...this.#sleeps]) wake();
    await this.idle();
    if (this.#ownsScheduler) this.scheduler.dispose();
  }

  /** Waits on the scheduler's clock; cut short by dispose() so that it never hangs. */
  #sleep(seconds: number): Promise<void> {
    return new Promise((resolve) => {
      const wake = () => {
        this.#sleeps.delete(wake);
        timer.stop();
        resolve();
      };
      const timer = this.scheduler.addTimer(seconds, wake);
      this.#sleeps.add(wake);
    });
  }

  #assertLive(): void {
    if (this.#disposed) throw new CronError("cron-disposed", "this cron has been disposed");
  }

  #nextInterval(): number {
    const f = this.#spread;
    return this.#checkInterval * (1 - f + 2 * f * this.#random());
  }

  #resolvePeriod(id: string, fallback: number, owner: string | undefined): number {
    let period = fallback;
    const optionName = `${id.replaceAll("/", "_")}_period`;
    const configured = this.#periodOption?.(optionName);
    if (configured !== undefined && configured !== null) {
      const parsed = parsePeriod(configured);
      if (parsed === undefined) {
        this.logger.warn(
          { owner, task: id, option: optionName, value: configured, code: "invalid-period" },
          `option ${optionName} is not a period; using the default`,
        );
      } else {
        period = parsed;
      }
    }
    const clamped = clampPeriod(period);
    if (clamped !== period) {
      this.logger.warn(
        { owner, task: id, option: optionName, period, clamped },
        `period of task ${id} is out of bounds (60 s to 53 weeks); using ${clamped} s`,
      );
    }
    return clamped;
  }

  #enqueueAll(): void {
    for (const task of this.#tasks) {
      if (this.#queued.has(task)) continue;
      this.#queued.add(task);
      this.#queue.push(task);
    }
    if (!this.#draining && this.#queue.length > 0) {
      this.#draining = this.#drain().finally(() => {
        this.#draining = undefined;
      });
    }
  }

  async #drain(): Promise<void> {
    for (;;) {
      const task = this.#queue.shift();
      if (!task) return;
      this.#queued.delete(task);
      if (!task.active) continue;
      try {
        await this.#runIfDue(task);
      } catch (err) {
        // #runIfDue handles its own errors; this guards the runner against a bug or a throwing logger.
        this.logger.error({ err, owner: task.owner, task: task.id }, "cron runner error");
      }
    }
  }

  async #readLast(task: TaskEntry): Promise<boolean> {
    const record = readRecord(await this.keyv.get(`last/${task.id}`));
    if (record) {
      task.last = record.startedAt;
      if (record.duration !== undefined && task.lastDuration === undefined)
        task.lastDuration = record.duration;
    }
    return isDue(task.last, task.period, this.clock.now());
  }

  async #runIfDue(task: TaskEntry): Promise<void> {
    const ctx = { owner: task.owner, task: task.id };
    if (!isDue(task.last, task.period, this.clock.now())) return;
    try {
      if (!(await this.#readLast(task))) return;
    } catch (err) {
      this.logger.error({ ...ctx, err }, "could not read the last run of a task; skipping it this time");
      return;
    }
    const lock = this.#lock;
    let renewTimer: Timer | undefined;
    if (lock) {
      try {
        if (!(await lock.acquire(task.id, this.holder, this.#leaseTtl))) {
          this.logger.debug(ctx, "task is leased by another process");
          return;
        }
        if (!task.active || !(await this.#readLast(task))) {
          await lock.release(task.id, this.holder);
          return;
        }
      } catch (err) {
        this.logger.error({ ...ctx, err }, "could not lease a task; skipping it this time");
        return;
      }
      renewTimer = this.scheduler.addTimer(this.#leaseTtl / 3, () => {
        lock.renew(task.id, this.holder, this.#leaseTtl).then(
          (kept) => {
            if (!kept) this.logger.warn(ctx, "lost the lease of a running task");
          },
          (err: unknown) => this.logger.warn({ ...ctx, err }, "could not renew the lease of a running task"),
        );
        return this.#leaseTtl / 3;
      });
    }
    const startedAt = Math.floor(this.clock.now());
    const started = this.clock.monotonic();
    task.running = true;
    let ok = false;
    try {
      this.logger.debug({ ...ctx, startedAt }, "running task");
      await task.spec.run(task, startedAt);
      ok = true;
    } catch (err) {
      task.lastError = err;
      this.logger.error({ ...ctx, err }, "task failed; it will be retried at the next check");
    } finally {
      task.running = false;
      task.lastDuration = this.clock.monotonic() - started;
      renewTimer?.stop();
    }
    if (ok) {
      task.last = startedAt;
      task.lastError = undefined;
      try {
        await this.keyv.set(`last/${task.id}`, {
          startedAt,
          duration: task.lastDuration,
        } satisfies LastRecord);
      } catch (err) {
        this.logger.error({ ...ctx, err }, "could not save the last run of a task");
      }
    }
    if (lock) {
      try {
        await lock.release(task.id, this.holder);
      } catch (err) {
        this.logger.warn({ ...ctx, err }, "could not release the lease of a task");
      }
    }
  }
}

/** Creates a {@link Cron}. */
export function createCron(options: CronOptions = {}): Cron {
  return new Cron(options);
}
