import { CronError, describe } from "./errors.js";

/** How often a periodic task runs by default. */
export type When = "hourly" | "daily" | "weekly";

export const WHEN_PERIODS: Readonly<Record<When, number>> = Object.freeze({
  hourly: 3600,
  daily: 86400,
  weekly: 604800,
});

/** Shortest period a task may have, in seconds (one minute). */
export const MIN_PERIOD = 60;
/** Longest period a task may have, in seconds (53 weeks). */
export const MAX_PERIOD = 86400 * 7 * 53;

export function isWhen(value: unknown): value is When {
  return value === "hourly" || value === "daily" || value === "weekly";
}

export function checkWhen(value: unknown): When {
  if (!isWhen(value)) {
    throw new CronError("invalid-when", `when must be "hourly", "daily" or "weekly", got ${describe(value)}`);
  }
  return value;
}

const UNITS: ReadonlyArray<readonly [RegExp, number]> = [
  [/^(s|secs?|seconds?)$/, 1],
  [/^(min|mins|minutes?)$/, 60],
  [/^(h|hrs?|hours?|hourly)$/, 3600],
  [/^(d|days?|daily)$/, 86400],
  [/^(w|wks?|weeks?|weekly)$/, 604800],
  [/^(mon|months?|monthly)$/, 86400 * 31],
  [/^(y|yrs?|years?|yearly)$/, 86400 * 365.2425],
];

/**
 * Parses a period: a number of seconds, `"never"` (Infinity), or a count and a unit such as
 * `"2 hours"`, `"1 day"`, `"3 weeks"`, `"10 min"` or Prosody's `"1daily"`. Ambiguous units (`"m"`,
 * `"mo"`) and bare numbers in strings are refused. Returns `undefined` when the value is not a period.
 */
export function parsePeriod(value: unknown): number | undefined {
  if (typeof value === "number") return Number.isNaN(value) ? undefined : value < 0 ? Infinity : value;
  if (value === false || value === "never") return Number.POSITIVE_INFINITY;
  if (typeof value !== "string") return undefined;
  const match = /^\s*(\d+(?:\.\d+)?)\s*([a-z]+)\s*$/i.exec(value);
  if (!match) return undefined;
  const count = Number(match[1]);
  const unit = match[2]!.toLowerCase();
  for (const [pattern, seconds] of UNITS) if (pattern.test(unit)) return count * seconds;
  return undefined;
}

/** Clamps a period to {@link MIN_PERIOD} – {@link MAX_PERIOD}. */
export function clampPeriod(seconds: number): number {
  return Math.min(MAX_PERIOD, Math.max(MIN_PERIOD, seconds));
}
