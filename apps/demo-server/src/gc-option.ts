import type { Config, config } from "canto";
import { DEFAULT_YOUNG_GENERATION_MIB } from "canto/young-generation";
import { location } from "./load-config.js";

type ConfigProblem = config.ConfigProblem;

/**
 * Reads `young_generation` from the global `gc` table (Prosody's garbage collector option, whose
 * Lua keys mean nothing to V8 and are left alone): MiB, or `false`/0 for V8's own policy.
 * Returns the cap in MiB, `undefined` for none, or what is wrong with the value.
 */
export function youngGenerationOption(gc: unknown): number | undefined | { error: string } {
  if (gc === undefined) return DEFAULT_YOUNG_GENERATION_MIB;
  if (typeof gc !== "object" || gc === null || Array.isArray(gc))
    return { error: `should be a table such as { young_generation = 16 }, got ${JSON.stringify(gc)}` };
  const value = (gc as Record<string, unknown>).young_generation;
  if (value === undefined) return DEFAULT_YOUNG_GENERATION_MIB;
  if (value === false || value === 0) return undefined;
  if (typeof value !== "number" || !Number.isInteger(value) || value < 1 || value > 1024)
    return {
      error: `has young_generation ${JSON.stringify(value)}; it should be a whole number of MiB from 1 to 1024, or false`,
    };
  return value;
}

/** `gc`'s problem, in `canto check config`'s terms, for `start` and `check config` alike. */
export function gcProblems(config: Config): ConfigProblem[] {
  const entry = config.data.global.options.get("gc");
  const read = youngGenerationOption(entry?.value);
  if (entry === undefined || typeof read !== "object") return [];
  const where = { file: entry.location?.file, line: entry.location?.line };
  return [
    {
      severity: "error",
      code: "CANTO_CONFIG_BAD_VALUE",
      message: `Option 'gc' in the global section (${location(where)}) ${read.error}`,
      option: "gc",
      ...where,
    },
  ];
}
