import { PerformanceObserver } from "node:perf_hooks";
import v8 from "node:v8";

/** V8's own factor, restored whenever the new space is below the cap again (after a shrink). */
const V8_GROWTH_FACTOR = 2;

export interface YoungGenerationHooks {
  /** Current capacity of V8's new space, in bytes. */
  newSpaceSize(): number;
  setGrowthFactor(factor: number): void;
  /** Calls `check` after every garbage collection; returns the disposer. */
  afterGc(check: () => void): () => void;
}

const v8Hooks: YoungGenerationHooks = {
  newSpaceSize: () =>
    v8.getHeapSpaceStatistics().find((space) => space.space_name === "new_space")?.space_size ?? 0,
  setGrowthFactor: (factor) => v8.setFlagsFromString(`--semi-space-growth-factor=${factor}`),
  afterGc(check) {
    const observer = new PerformanceObserver(check);
    observer.observe({ entryTypes: ["gc"] });
    return () => observer.disconnect();
  },
};

/** True when Node was started with its own young-generation flags, which then win. */
export function youngGenerationSetByNode(execArgv: readonly string[] = process.execArgv): boolean {
  const flags = [...execArgv, ...(process.env.NODE_OPTIONS ?? "").split(/\s+/)];
  return flags.some((flag) => /^--(max-semi-space-size|semi-space-growth-factor)(=|$)/.test(flag));
}

/**
 * Keeps V8's new space (the young generation) at most `maxMiB` MiB by letting it grow as V8
 * decides until one more doubling would pass the cap, and switching growth off from there.
 *
 * Why: V8 doubles the new space, up to 32 MiB on 64-bit machines, once enough objects outlive
 * scavenges, and all of it stays resident. Logging in the first thousand sessions does that, so
 * a small server pays 16 MiB at a random moment. `--max-semi-space-size` would do the same from
 * the command line, but only there (V8 sizes the heap before any JavaScript runs), and every way
 * of starting Canto would need it; the growth factor, unlike the maximum, is read at each growth.
 */
export function capYoungGeneration(maxMiB: number, hooks: YoungGenerationHooks = v8Hooks): () => void {
  const max = maxMiB * 2 ** 20;
  let factor = V8_GROWTH_FACTOR;
  const check = () => {
    const wanted = hooks.newSpaceSize() * V8_GROWTH_FACTOR > max ? 1 : V8_GROWTH_FACTOR;
    if (wanted === factor) return;
    factor = wanted;
    hooks.setGrowthFactor(factor);
  };
  check();
  const stop = hooks.afterGc(check);
  return () => {
    stop();
    if (factor !== V8_GROWTH_FACTOR) hooks.setGrowthFactor(V8_GROWTH_FACTOR);
  };
}

/** Canto's default cap, in MiB: V8's new space before its last doubling on 64-bit machines. */
export const DEFAULT_YOUNG_GENERATION_MIB = 16;

/**
 * Reads `young_generation` from the global `gc` table (Prosody's garbage collector option, whose
 * Lua keys mean nothing to V8 and are left alone): MiB, or `false`/0 for V8's own policy.
 * Returns the cap in MiB, `undefined` for none, or a message naming what is wrong.
 */
export function youngGenerationOption(gc: unknown): number | undefined | { error: string } {
  if (gc === undefined) return DEFAULT_YOUNG_GENERATION_MIB;
  if (typeof gc !== "object" || gc === null || Array.isArray(gc))
    return {
      error: `option "gc" should be a table such as { young_generation = 16 }, got ${JSON.stringify(gc)}`,
    };
  const value = (gc as Record<string, unknown>).young_generation;
  if (value === undefined) return DEFAULT_YOUNG_GENERATION_MIB;
  if (value === false || value === 0) return undefined;
  if (typeof value !== "number" || !Number.isInteger(value) || value < 1 || value > 1024)
    return {
      error: `option "gc.young_generation" should be a whole number of MiB from 1 to 1024, or false, got ${JSON.stringify(value)}`,
    };
  return value;
}
