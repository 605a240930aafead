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

let current: (() => void) | undefined;

/**
 * The process's cap: replaces the one set before, `undefined` for none. Does nothing when Node
 * was started with its own young-generation flags. `canto start` sets the default before it
 * imports the server (imports alone grow the new space) and the configured value once it has
 * read the config.
 */
export function setYoungGenerationCap(maxMiB: number | undefined): void {
  current?.();
  current = maxMiB === undefined || youngGenerationSetByNode() ? undefined : capYoungGeneration(maxMiB);
}
