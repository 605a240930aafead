import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { beforeAll, describe, expect, it } from "vitest";
import {
  capYoungGeneration,
  type YoungGenerationHooks,
  youngGenerationSetByNode,
} from "./young-generation.js";

const MiB = 2 ** 20;

/** Hooks over a pretend V8 whose new space doubles at every GC unless growth is switched off. */
function pretendV8(startMiB: number) {
  let size = startMiB * MiB;
  let factor = 2;
  const factors: number[] = [];
  let check = () => {};
  let observing = false;
  const hooks: YoungGenerationHooks = {
    newSpaceSize: () => size,
    setGrowthFactor: (value) => {
      factor = value;
      factors.push(value);
    },
    afterGc(callback) {
      check = callback;
      observing = true;
      return () => {
        observing = false;
      };
    },
  };
  return {
    hooks,
    factors,
    get observing() {
      return observing;
    },
    get sizeMiB() {
      return size / MiB;
    },
    gc() {
      size = Math.min(size * factor, 32 * MiB);
      check();
    },
    shrink(toMiB: number) {
      size = toMiB * MiB;
      check();
    },
  };
}

describe("capYoungGeneration", () => {
  it("lets the new space double up to the cap and no further", () => {
    const v8 = pretendV8(1);
    capYoungGeneration(16, v8.hooks);
    for (let i = 0; i < 10; i++) v8.gc();
    expect(v8.sizeMiB).toBe(16);
    expect(v8.factors).toEqual([1]);
  });

  it("stops below a cap that is not a doubling away", () => {
    const v8 = pretendV8(1);
    capYoungGeneration(12, v8.hooks);
    for (let i = 0; i < 10; i++) v8.gc();
    expect(v8.sizeMiB).toBe(8);
  });

  it("lets a new space V8 shrank grow again", () => {
    const v8 = pretendV8(1);
    capYoungGeneration(8, v8.hooks);
    for (let i = 0; i < 5; i++) v8.gc();
    v8.shrink(1);
    expect(v8.factors).toEqual([1, 2]);
    for (let i = 0; i < 5; i++) v8.gc();
    expect(v8.sizeMiB).toBe(8);
  });

  it("switches growth off at once when the new space is already at the cap", () => {
    const v8 = pretendV8(16);
    capYoungGeneration(16, v8.hooks);
    expect(v8.factors).toEqual([1]);
  });

  it("gives V8 its own growth back when disposed", () => {
    const v8 = pretendV8(16);
    const dispose = capYoungGeneration(16, v8.hooks);
    dispose();
    expect(v8.observing).toBe(false);
    expect(v8.factors).toEqual([1, 2]);
  });
});

describe("youngGenerationSetByNode", () => {
  it("leaves the young generation to Node's own flags when it has them", () => {
    expect(youngGenerationSetByNode(["--max-semi-space-size=8"])).toBe(true);
    expect(youngGenerationSetByNode(["--semi-space-growth-factor", "1"])).toBe(true);
    expect(youngGenerationSetByNode(["--max-old-space-size=512"])).toBe(
      process.env.NODE_OPTIONS?.includes("semi-space") ?? false,
    );
  });
});

const built = fileURLToPath(new URL("../dist/young-generation.js", import.meta.url));

describe("on V8 itself (the built module, in a fresh process)", () => {
  beforeAll(() => {
    if (!existsSync(built))
      throw new Error(
        `${built} is missing: build first (\`npm test\` at the repository root builds everything)`,
      );
  });
  // Keeps 300,000 small objects alive, which makes V8 grow its new space to 32 MiB on its own,
  // and prints the largest new space seen.
  const run = (capMiB: number | undefined) => {
    const script = `
      import v8 from "node:v8";
      import { capYoungGeneration } from ${JSON.stringify(built)};
      if (${capMiB ?? 0} > 0) capYoungGeneration(${capMiB ?? 0});
      const newSpace = () => v8.getHeapSpaceStatistics().find((s) => s.space_name === "new_space").space_size;
      let largest = 0;
      const kept = [];
      for (let i = 0; i < 300000; i++) {
        kept.push({ i, text: "item " + i, pair: [i, i] });
        if (i % 1000 === 0) {
          largest = Math.max(largest, newSpace());
          await new Promise((resolve) => setImmediate(resolve));
        }
      }
      console.log(largest);`;
    const child = spawnSync(process.execPath, ["--input-type=module", "-e", script], {
      encoding: "utf8",
      env: { ...process.env, NODE_OPTIONS: "" },
    });
    expect(child.stderr).toBe("");
    return Number(child.stdout.trim()) / MiB;
  };

  it("holds the new space at the cap where V8 alone goes past it", () => {
    expect(run(undefined)).toBeGreaterThan(4);
    expect(run(4)).toBeLessThanOrEqual(4);
  });
});
