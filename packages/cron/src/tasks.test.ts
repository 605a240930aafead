import { recordingLogger } from "@canto/test-utils";
import Keyv from "keyv";
import { describe, expect, expectTypeOf, it } from "vitest";
import { createFakeClock, type FakeClock } from "./fake-clock.js";
import { createKeyvLock } from "./lease.js";
import { createScheduler } from "./scheduler.js";
import {
  type CronOptions,
  createCron,
  daily,
  hourly,
  isDue,
  slugify,
  type Task,
  type TaskSpec,
  weekly,
} from "./tasks.js";

const HOUR = 3600;
const START = 1_700_000_000;

function setup(options: Partial<CronOptions> & { clock?: FakeClock } = {}) {
  const clock = options.clock ?? createFakeClock({ now: START });
  const logger = recordingLogger();
  const store = options.store ?? new Map();
  // one process: no lease, so runs start at the check itself (see "several processes" for leases)
  const cron = createCron({ clock, logger, store, lease: false, ...options });
  return { clock, logger, store, cron };
}

describe("task specs", () => {
  it("helpers build specs; a function alone leaves the name to default to when", () => {
    const run = () => {};
    expect(hourly("Clean up", run)).toEqual({ name: "Clean up", when: "hourly", run });
    expect(daily(run)).toEqual({ when: "daily", run });
    expect(weekly("w", run).when).toBe("weekly");
    expectTypeOf(hourly).returns.toEqualTypeOf<TaskSpec>();
  });

  it("derives ids and names as Prosody does", () => {
    const { cron } = setup({ autoStart: false });
    const mam = cron.scope("mam");
    expect(mam.hourly("Remove expired messages", () => {}).id).toBe("mam/remove_expired_messages");
    const t = mam.daily(() => {});
    expect([t.id, t.name, t.period]).toEqual(["mam/daily", "daily", 86400]);
    expect(mam.add({ id: "custom", when: "weekly", run: () => {} }).id).toBe("custom");
    expect(cron.hourly("No owner!", () => {}).id).toBe("no_owner_");
    expect(slugify("Café-2")).toBe("caf___2"); // é is two bytes in UTF-8, as in Lua
  });

  it("reads the period option, parses periods, and clamps to 60 s – 53 weeks", () => {
    const options: Record<string, unknown> = {
      mam_remove_expired_messages_period: "2 hours",
      mam_fast_period: 5,
      mam_slow_period: "never",
      mam_bad_period: "soon",
    };
    const { cron, logger } = setup({ autoStart: false, periodOption: (name) => options[name] });
    const mam = cron.scope("mam");
    expect(mam.hourly("remove expired messages", () => {}).period).toBe(7200);
    expect(mam.hourly("fast", () => {}).period).toBe(60);
    expect(mam.hourly("slow", () => {}).period).toBe(86400 * 7 * 53);
    expect(mam.daily("bad", () => {}).period).toBe(86400);
    expect(mam.add({ name: "spec", when: "hourly", period: "1 day", run: () => {} }).period).toBe(86400);
    expect(logger.entries.filter((e) => e.level === "warn")).toHaveLength(3);
  });

  it("rejects bad specs with stable codes", () => {
    const { cron } = setup({ autoStart: false });
    const run = () => {};
    const bad: [unknown, string][] = [
      [{ when: "monthly", run }, "invalid-when"],
      [{ when: undefined, run }, "invalid-when"],
      [{ when: "hourly" }, "invalid-task"],
      [{ when: "hourly", run, name: 5 }, "invalid-task"],
      [{ when: "hourly", run, id: "" }, "invalid-task"],
      [{ when: "hourly", run, period: "a while" }, "invalid-period"],
      [null, "invalid-task"],
    ];
    for (const [spec, code] of bad) {
      expect(() => cron.add(spec as TaskSpec)).toThrowError(expect.objectContaining({ code }));
    }
    expect(() => cron.hourly("x", undefined)).toThrowError(expect.objectContaining({ code: "invalid-task" }));
    expect(() => createCron({ namespace: "a:b" })).toThrowError(
      expect.objectContaining({ code: "invalid-namespace" }),
    );
    expect(() => createCron({ keyv: new Keyv({ namespace: "x:y" }) })).toThrowError(
      expect.objectContaining({ code: "invalid-namespace" }),
    );
    expect(() => createCron({ keyv: new Keyv(), store: new Map() })).toThrowError(
      expect.objectContaining({ code: "invalid-option" }),
    );
    expect(() => createCron({ scheduler: createScheduler(), clock: createFakeClock() })).toThrowError(
      expect.objectContaining({ code: "invalid-option" }),
    );
    expect(() => createCron({ checkInterval: 0 })).toThrowError(
      expect.objectContaining({ code: "invalid-option" }),
    );
    expect(() => createCron({ spreadFactor: 2 })).toThrowError(
      expect.objectContaining({ code: "invalid-option" }),
    );
  });
});

describe("running", () => {
  it("runs a new task at the first check, about 1 s after start, then hourly", async () => {
    const { clock, cron } = setup();
    const runs: number[] = [];
    const task = cron.hourly("tick", (t, startedAt) => {
      expect(t).toBe(task);
      runs.push(startedAt);
    });
    await clock.advance(0.9);
    expect(runs).toEqual([]);
    await clock.advance(0.1);
    expect(runs).toEqual([START + 1]);
    expect(task.last).toBe(START + 1);
    await clock.advance(3 * HOUR);
    expect(runs).toEqual([START + 1, START + 1 + HOUR, START + 1 + 2 * HOUR, START + 1 + 3 * HOUR]);
    await cron.dispose();
  });

  it("runs a daily task once a day although it is checked hourly", async () => {
    const { clock, cron } = setup();
    let n = 0;
    cron.daily("d", () => void n++);
    await clock.advance(1 + 47 * HOUR);
    expect(n).toBe(2);
  });

  it("keeps the last run in the store under the namespace", async () => {
    const { clock, cron, store } = setup();
    cron.scope("mam").daily("purge", () => {});
    await clock.advance(1);
    const stored = [...(store as Map<string, unknown>).keys()];
    expect(stored).toContain("cron:last/mam/purge");
    expect(await cron.keyv.get("last/mam/purge")).toMatchObject({ startedAt: START + 1 });
  });

  it("applies the 0.995 rule: a little early counts as due", () => {
    expect(isDue(undefined, 3600, 0)).toBe(true);
    expect(isDue(0, 3600, 3582)).toBe(true);
    expect(isDue(0, 3600, 3581)).toBe(false);
  });

  it("runs tasks one at a time, async ones included, in registration order", async () => {
    const { clock, cron } = setup();
    const events: string[] = [];
    let active = 0;
    for (const name of ["a", "b", "c"]) {
      cron.hourly(name, async () => {
        active++;
        expect(active).toBe(1);
        events.push(`${name}:start`);
        await new Promise((resolve) => setImmediate(resolve));
        events.push(`${name}:end`);
        active--;
      });
    }
    await clock.advance(1);
    expect(events).toEqual(["a:start", "a:end", "b:start", "b:end", "c:start", "c:end"]);
  });

  it("lets an async task wait on the clock", async () => {
    const { clock, cron } = setup({ lease: false });
    const done: number[] = [];
    cron.hourly("slow", async () => {
      await new Promise((resolve) => cron.scheduler.addTimer(30, resolve));
      done.push(clock.now());
    });
    await clock.advance(31);
    expect(done).toEqual([START + 31]);
    expect(cron.tasks()[0]!.lastDuration).toBe(30);
  });

  it("records last run, duration and error for a status page", async () => {
    const { clock, cron, logger } = setup({ lease: false });
    let fail = true;
    const task = cron.scope("mod").hourly("flaky", async () => {
      await new Promise((resolve) => cron.scheduler.addTimer(2, resolve));
      if (fail) throw new Error("disk full");
    });
    await clock.advance(3);
    expect(task.last).toBeUndefined();
    expect((task.lastError as Error).message).toBe("disk full");
    expect(task.lastDuration).toBe(2);
    expect(task.running).toBe(false);
    const error = logger.entries.find((e) => e.level === "error");
    expect(error?.obj).toMatchObject({ owner: "mod", task: "mod/flaky" });
    fail = false;
    await clock.advance(HOUR);
    expect(task.last).toBe(START + 1 + HOUR);
    expect(task.lastError).toBeUndefined();
  });

  it("does not record a failed run, so it is retried at the next check", async () => {
    const { clock, cron } = setup();
    let attempts = 0;
    cron.daily("retry", () => {
      attempts++;
      if (attempts < 3) throw new Error("not yet");
    });
    await clock.advance(1);
    expect(await cron.keyv.get("last/retry")).toBeUndefined();
    await clock.advance(2 * HOUR);
    expect(attempts).toBe(3);
    await clock.advance(10 * HOUR);
    expect(attempts).toBe(3);
  });

  it("a task added after start waits for the next check", async () => {
    const { clock, cron } = setup();
    await clock.advance(10);
    const runs: number[] = [];
    cron.hourly("late", (_t, at) => void runs.push(at - START));
    await clock.advance(HOUR - 10);
    expect(runs).toEqual([]);
    await clock.advance(1);
    expect(runs).toEqual([HOUR + 1]);
  });

  it("a store that fails is logged and the task is tried again at the next check", async () => {
    const clock = createFakeClock({ now: START });
    const logger = recordingLogger();
    const inner = new Keyv();
    let failures = 1;
    const flaky = {
      namespace: "cron",
      async get(key: string) {
        if (failures-- > 0) throw new Error("connection reset");
        return inner.get(key);
      },
      set: (key: string, value: unknown) => inner.set(key, value),
      delete: (key: string) => inner.delete(key),
    } as unknown as Keyv;
    const cron = createCron({ clock, logger, keyv: flaky, lease: false });
    let runs = 0;
    cron.hourly("x", () => void runs++);
    await clock.advance(1);
    expect(runs).toBe(0);
    expect(logger.entries.some((e) => e.level === "error" && e.obj.task === "x")).toBe(true);
    await clock.advance(HOUR);
    expect(runs).toBe(1);
    await cron.dispose();
  });

  it("check() queues every task now and resolves when the runner is idle", async () => {
    const { cron } = setup({ autoStart: false });
    let n = 0;
    cron.hourly("x", () => void n++);
    await cron.check();
    expect(n).toBe(1);
    await cron.check();
    expect(n).toBe(1);
  });

  it("spreads checks by the spread factor", async () => {
    const { clock, cron } = setup({ spreadFactor: 0.5, random: () => 0 });
    const runs: number[] = [];
    cron.add({ name: "x", when: "hourly", period: 60, run: (_t, at) => void runs.push(at - START) });
    await clock.advance(1 + 2 * HOUR);
    // random() = 0 with f = 0.5 makes each interval 3600 × 0.5; the 60 s task runs at every check
    expect(runs).toEqual([1, 1801, 3601, 5401, 7201]);
  });
});

describe("restarts and clock jumps", () => {
  it("a restart in the middle of a period does not run the task again", async () => {
    const store = new Map();
    const clock = createFakeClock({ now: START });
    let runs = 0;
    const first = createCron({ clock, store });
    first.daily("report", () => void runs++);
    await clock.advance(5 * HOUR);
    expect(runs).toBe(1);
    await first.dispose();

    const second = createCron({ clock, store });
    const task = second.daily("report", () => void runs++);
    await clock.advance(HOUR);
    expect(runs).toBe(1);
    expect(task.last).toBe(START + 1);
    await clock.advance(19 * HOUR);
    expect(runs).toBe(2);
    await second.dispose();
  });

  it("a clock jump forwards runs the task once at the next check, not once per missed period", async () => {
    const { clock, cron } = setup();
    let runs = 0;
    cron.hourly("x", () => void runs++);
    await clock.advance(1);
    clock.jump(10 * HOUR);
    await clock.advance(HOUR);
    expect(runs).toBe(2);
  });

  it("a small jump backwards delays the next run until the period has passed on the new clock", async () => {
    const { clock, cron } = setup();
    const runs: number[] = [];
    cron.daily("x", (_t, at) => void runs.push(at));
    await clock.advance(1);
    clock.jump(-2 * HOUR);
    await clock.advance(24 * HOUR);
    expect(runs).toHaveLength(1);
    await clock.advance(2 * HOUR);
    expect(runs).toHaveLength(2);
  });

  it("a last run more than a period in the future is not trusted", async () => {
    const { clock, cron } = setup();
    let runs = 0;
    cron.hourly("x", () => void runs++);
    await clock.advance(1);
    clock.jump(-30 * 86400);
    await clock.advance(HOUR);
    expect(runs).toBe(2);
  });
});

describe("owners", () => {
  it("a disposed scope's tasks stop running; other owners keep going", async () => {
    const { clock, cron } = setup();
    let a = 0;
    let b = 0;
    const scopeA = cron.scope("a");
    const task = scopeA.hourly("x", () => void a++);
    cron.scope("b").hourly("x", () => void b++);
    expect(scopeA.tasks()).toEqual([task]);
    await clock.advance(1);
    scopeA.dispose();
    expect(task.active).toBe(false);
    await clock.advance(3 * HOUR);
    expect([a, b]).toEqual([1, 4]);
    expect(() => scopeA.hourly("y", () => {})).toThrowError(
      expect.objectContaining({ code: "cron-disposed" }),
    );
  });

  it("stopOwner during a run lets it finish and not run again", async () => {
    const { clock, cron } = setup({ lease: false });
    let runs = 0;
    cron.scope("m").hourly("x", async () => {
      runs++;
      expect(cron.stopOwner("m")).toBe(1);
    });
    await clock.advance(5 * HOUR);
    expect(runs).toBe(1);
    expect(cron.tasks()).toEqual([]);
  });

  it("dispose stops the checks and the clock handle", async () => {
    const { clock, cron } = setup();
    cron.hourly("x", () => {});
    await clock.advance(1);
    await cron.dispose();
    expect(clock.activeTimers).toBe(0);
    expect(() => cron.hourly("y", () => {})).toThrowError(expect.objectContaining({ code: "cron-disposed" }));
  });

  it("shares a scheduler with timers, keeping one clock handle", async () => {
    const clock = createFakeClock({ now: START });
    const scheduler = createScheduler({ clock });
    const cron = createCron({ scheduler, store: new Map() });
    scheduler.scope("mod").addTimer(100, () => {});
    cron.hourly("x", () => {});
    await clock.advance(2 * HOUR);
    expect(clock.maxActiveTimers).toBe(1);
    await cron.dispose();
    expect(scheduler.pending).toBe(0); // the cron's own check timer is gone; the shared scheduler lives on
    scheduler.addTimer(1, () => {});
  });
});

describe("several processes on one store", () => {
  interface Two {
    offset?: number;
    lease?: false;
    /** Both crons on one scheduler, so their checks fire in the same tick and their awaits interleave. */
    sameTick?: boolean;
  }
  async function twoProcesses({ offset = 0, lease, sameTick = false }: Two, hours = 24) {
    const clock = createFakeClock({ now: START });
    const shared = createScheduler({ clock });
    const map = new Map();
    const runs: string[] = [];
    const make = (holder: string) => {
      const cron = createCron({
        // one Keyv per process over the same backing store, as two servers on one Redis would have
        keyv: new Keyv({ store: map, namespace: "cron" }),
        holder,
        ...(sameTick ? { scheduler: shared } : { clock }),
        ...(lease === false ? { lease } : {}),
      });
      // each run takes 30 s, so a second process checking meanwhile finds no record yet
      cron.hourly("shared", async () => {
        runs.push(holder);
        await new Promise((resolve) => cron.scheduler.addTimer(30, resolve));
      });
      return cron;
    };
    const crons = [make("p1")];
    if (offset > 0) await clock.advance(offset);
    crons.push(make("p2"));
    await clock.advance(hours * HOUR - offset);
    for (const c of crons) await c.dispose();
    return runs;
  }

  it("two schedulers on one store run each task once per period between them", async () => {
    expect(await twoProcesses({})).toHaveLength(24);
  });

  it("... also when their checks fire in the same tick and their store calls interleave", async () => {
    const runs = await twoProcesses({ sameTick: true });
    expect(runs).toHaveLength(24);
  });

  it("... and when they started at different times", async () => {
    expect(await twoProcesses({ offset: 1234 })).toHaveLength(24);
    expect(await twoProcesses({ offset: 1234, sameTick: true })).toHaveLength(24);
  });

  it("the settle delay covers a store whose writes land late", async () => {
    // Store calls take 10 ms for p1 and 14 ms for p2: p2 reads the lease as free just before p1's
    // claim lands and writes its own claim just after p1 has read its back. Without the settle wait
    // both believe they hold it and both run; with it, p1 sees p2's claim and the last writer alone runs.
    const runsWith = async (settle: number) => {
      const clock = createFakeClock({ now: START });
      const shared = createScheduler({ clock });
      const map = new Map();
      const runs: string[] = [];
      const laggy = (latency: number): Keyv => {
        const inner = new Keyv({ store: map, namespace: "cron" });
        const wait = () => new Promise((resolve) => clock.setTimer(() => resolve(undefined), latency));
        return {
          namespace: "cron",
          async get(key: string) {
            await wait();
            return inner.get(key);
          },
          async set(key: string, value: unknown) {
            await wait();
            return inner.set(key, value);
          },
          async delete(key: string) {
            await wait();
            return inner.delete(key);
          },
        } as unknown as Keyv;
      };
      for (const [holder, latency] of [
        ["p1", 0.01],
        ["p2", 0.014],
      ] as const) {
        const cron = createCron({ keyv: laggy(latency), holder, scheduler: shared, lease: { settle } });
        cron.hourly("s", async () => {
          runs.push(holder);
          await new Promise((resolve) => cron.scheduler.addTimer(30, resolve));
        });
      }
      await clock.advance(3 * HOUR);
      return runs;
    };
    expect(await runsWith(0)).toHaveLength(6);
    expect(await runsWith(0.5)).toEqual(["p2", "p2", "p2"]);
  });

  it("(control) without the lease both run it", async () => {
    expect(await twoProcesses({ lease: false })).toHaveLength(48);
    expect(await twoProcesses({ lease: false, sameTick: true })).toHaveLength(48);
  });

  it("a process that died holding the lease blocks the task no longer than the lease", async () => {
    const clock = createFakeClock({ now: START });
    const map = new Map();
    const dead = new Keyv({ store: map, namespace: "cron" });
    await dead.set("lease/report", { holder: "dead", expires: START + 600 });
    const cron = createCron({ clock, keyv: new Keyv({ store: map, namespace: "cron" }), checkInterval: 60 });
    const runs: number[] = [];
    cron.hourly("report", (_t, at) => void runs.push(at - START));
    await clock.advance(10 * 60);
    expect(runs).toEqual([]);
    await clock.advance(60);
    expect(runs).toEqual([601]);
    await cron.dispose();
  });

  it("a lease that claims to outlast its ttl (the clock was stepped back) is free", async () => {
    const clock = createFakeClock({ now: START });
    const keyv = new Keyv({ namespace: "cron" });
    await keyv.set("lease/report", { holder: "other", expires: START + 86400 });
    const cron = createCron({ clock, keyv, lease: { ttl: 600 } });
    let runs = 0;
    cron.hourly("report", () => void runs++);
    await clock.advance(2);
    expect(runs).toBe(1);
    expect(await keyv.get("lease/report")).toBeUndefined(); // released after the run
    await cron.dispose();
  });

  it("a long task renews its lease so the other process does not start it too", async () => {
    const clock = createFakeClock({ now: START });
    const map = new Map();
    const runs: string[] = [];
    const make = (holder: string) => {
      const cron = createCron({
        clock,
        keyv: new Keyv({ store: map, namespace: "cron" }),
        holder,
        checkInterval: 60,
        lease: { ttl: 120 },
      });
      cron.hourly("long", async () => {
        runs.push(holder);
        await new Promise((resolve) => cron.scheduler.addTimer(600, resolve));
      });
      return cron;
    };
    const p1 = make("p1");
    await clock.advance(30);
    const p2 = make("p2");
    await clock.advance(HOUR - 30);
    expect(runs).toEqual(["p1"]);
    await p1.dispose();
    await p2.dispose();
  });

  it("with the default lease a run starts half a second after the check, and dispose cuts the wait short", async () => {
    const clock = createFakeClock({ now: START });
    const cron = createCron({ clock });
    const runs: number[] = [];
    cron.hourly("x", () => void runs.push(clock.monotonic()));
    await clock.advance(1.4);
    expect(runs).toEqual([]);
    await clock.advance(0.1);
    expect(runs).toEqual([1.5]);
    await clock.advance(HOUR);
    expect(runs).toEqual([1.5, HOUR + 1.5]);
    await clock.advance(HOUR - 0.25);
    await cron.dispose(); // the runner was waiting out the settle delay
    expect(runs).toHaveLength(2);
    expect(clock.activeTimers).toBe(0);
  });

  it("accepts an atomic lock instead of the Keyv lease", async () => {
    const clock = createFakeClock({ now: START });
    const keyv = new Keyv();
    const inner = createKeyvLock({ keyv, clock, settle: 0, sleep: async () => {} });
    const calls: string[] = [];
    const cron = createCron({
      clock,
      keyv,
      lease: {
        lock: {
          acquire(...a) {
            calls.push("acquire");
            return inner.acquire(...a);
          },
          renew: (...a) => inner.renew(...a),
          release(...a) {
            calls.push("release");
            return inner.release(...a);
          },
        },
      },
    });
    cron.hourly("x", () => {});
    await clock.advance(1);
    expect(calls).toEqual(["acquire", "release"]);
    await cron.dispose();
  });
});

it("task objects are typed", () => {
  const { cron } = setup({ autoStart: false });
  const t = cron.hourly("x", (task, startedAt) => {
    expectTypeOf(task).toEqualTypeOf<Task>();
    expectTypeOf(startedAt).toEqualTypeOf<number>();
  });
  expectTypeOf(t.last).toEqualTypeOf<number | undefined>();
});
