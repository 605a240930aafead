/**
 * 100,000 timers on the scheduler against 100,000 raw Node `setTimeout` handles, in the same run.
 *
 *   npx vitest bench --run packages/cron
 *
 * Heap per pending timer is printed before the timings (gc is enabled at run time through
 * `v8.setFlagsFromString`, so no Node flag is needed).
 */
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import { bench, describe } from "vitest";
import { createRealClock } from "./clock.js";
import { createScheduler } from "./scheduler.js";

const N = 100_000;
const clock = createRealClock({ unref: true });

/** Delays of 0–9 ms, so both sides sort many distinct deadlines. */
const delayMs = (i: number) => (i * 7919) % 10;

function gcFunction(): (() => void) | undefined {
  try {
    setFlagsFromString("--expose-gc");
    return runInNewContext("gc") as () => void;
  } catch {
    return undefined;
  }
}

function heapPerTimer(label: string, create: () => () => void): void {
  const gc = gcFunction();
  if (!gc) {
    console.log(`${label}: gc not available, memory not measured`);
    return;
  }
  gc();
  gc();
  const before = process.memoryUsage().heapUsed;
  const dispose = create();
  gc();
  gc();
  const after = process.memoryUsage().heapUsed;
  dispose();
  console.log(`${label}: ${((after - before) / N).toFixed(1)} bytes of heap per pending timer (N = ${N})`);
}

heapPerTimer("node setTimeout", () => {
  const handles: ReturnType<typeof setTimeout>[] = [];
  for (let i = 0; i < N; i++) handles.push(setTimeout(() => {}, 3_600_000 + i));
  return () => {
    for (const h of handles) clearTimeout(h);
  };
});

heapPerTimer("@canto/cron scheduler", () => {
  const scheduler = createScheduler({ clock });
  const timers = [];
  for (let i = 0; i < N; i++) timers.push(scheduler.addTimer(3600 + i / 1000, () => {}));
  return () => scheduler.dispose();
});

const options = { iterations: 10, time: 0, warmupIterations: 2 };

describe("schedule and fire 100,000 timers (delays 0–9 ms)", () => {
  bench(
    "node setTimeout (baseline)",
    async () => {
      await new Promise<void>((resolve) => {
        let left = N;
        const done = () => {
          if (--left === 0) resolve();
        };
        for (let i = 0; i < N; i++) setTimeout(done, delayMs(i));
      });
    },
    options,
  );

  bench(
    "@canto/cron scheduler",
    async () => {
      const scheduler = createScheduler({ clock });
      await new Promise<void>((resolve) => {
        let left = N;
        const done = () => {
          if (--left === 0) resolve();
        };
        for (let i = 0; i < N; i++) scheduler.addTimer(delayMs(i) / 1000, done);
      });
      scheduler.dispose();
    },
    options,
  );
});

describe("schedule and cancel 100,000 timers (no waiting)", () => {
  bench(
    "node setTimeout + clearTimeout (baseline)",
    () => {
      const handles: ReturnType<typeof setTimeout>[] = new Array(N);
      for (let i = 0; i < N; i++) handles[i] = setTimeout(() => {}, 60_000 + delayMs(i));
      for (let i = 0; i < N; i++) clearTimeout(handles[i]);
    },
    options,
  );

  bench(
    "@canto/cron addTimer + stop",
    () => {
      const scheduler = createScheduler({ clock });
      const timers = new Array(N);
      for (let i = 0; i < N; i++) timers[i] = scheduler.addTimer(60 + delayMs(i) / 1000, () => {});
      for (let i = 0; i < N; i++) timers[i].stop();
      scheduler.dispose();
    },
    options,
  );
});
