/**
 * Periods (durations) in seconds. Three parsers live here:
 * - `parsePeriod`: Canto's, used by `getOptionPeriod`. Exact for compound and decimal input,
 *   refuses ambiguous units.
 * - `parseDurationProsody` and `parseDurationLaxProsody`: Prosody's `parse_duration` and
 *   `parse_duration_lax`, kept to document (and test) how Prosody reads the same strings, and to
 *   tell users what Prosody would have made of a string Canto refuses.
 */

const MINUTE = 60;
const HOUR = 3600;
const DAY = 86_400;
const WEEK = 7 * DAY;
/** Prosody counts a month as 31 days. */
const MONTH = 31 * DAY;
/** Gregorian year, as Prosody: 365.2425 days. */
const YEAR = 365.2425 * DAY;

const UNITS = new Map<string, number>();
function units(seconds: number, ...names: string[]): void {
  for (const name of names) UNITS.set(name, seconds);
}
units(1, "s", "sec", "secs", "second", "seconds");
units(MINUTE, "min", "mins", "minute", "minutes");
units(HOUR, "h", "hr", "hrs", "hour", "hours");
units(DAY, "d", "day", "days");
units(WEEK, "w", "wk", "wks", "week", "weeks");
units(MONTH, "mon", "mons", "month", "months");
units(YEAR, "y", "yr", "yrs", "year", "years");

/** Units that Prosody reads as a month although people usually mean minutes or milliseconds. */
const AMBIGUOUS = new Set(["m", "mi", "mo", "ms"]);

export type PeriodParse =
  | { readonly ok: true; readonly seconds: number }
  | { readonly ok: false; readonly reason: "ambiguous" | "invalid"; readonly message: string };

const WHOLE = /^(?:\s*(?:\d+(?:\.\d+)?|\.\d+)\s*[a-z]*)+\s*$/;
const PART = /(\d+(?:\.\d+)?|\.\d+)\s*([a-z]*)/g;

/**
 * Parses a period such as `"3 weeks"`, `"1 hr"`, `"1 day 12 hours"`, `"1.5 hours"` or `"never"`.
 * Components may be separated by spaces, commas or `and`. A number without a unit, and the units
 * `m`, `mi`, `mo` and `ms`, are refused as ambiguous.
 */
export function parsePeriod(text: string): PeriodParse {
  let parsed = cache.get(text);
  if (parsed === undefined) {
    if (cache.size >= CACHE_SIZE) cache.clear();
    parsed = parseUncached(text);
    cache.set(text, parsed);
  }
  return parsed;
}

/** Config values repeat: getters on hot paths parse the same few strings again and again. */
const cache = new Map<string, PeriodParse>();
const CACHE_SIZE = 512;

function parseUncached(text: string): PeriodParse {
  const input = text.trim().toLowerCase();
  if (input === "never") return { ok: true, seconds: Number.POSITIVE_INFINITY };
  const spaced = input.replace(/,|\band\b/g, " ");
  if (input === "" || !WHOLE.test(spaced)) {
    return { ok: false, reason: "invalid", message: `"${text}" is not a period (e.g. "2 days")` };
  }
  let seconds = 0;
  for (const match of spaced.matchAll(PART)) {
    const amount = Number(match[1]);
    const unit = match[2] ?? "";
    if (unit === "") {
      return {
        ok: false,
        reason: "ambiguous",
        message: `"${text}" has a number without a unit; write e.g. "${match[1]} seconds"`,
      };
    }
    if (AMBIGUOUS.has(unit)) {
      return {
        ok: false,
        reason: "ambiguous",
        message: `"${text}" is ambiguous ("${unit}"); write e.g. "${match[1]} minutes" or "${match[1]} months"`,
      };
    }
    const multiplier = UNITS.get(unit);
    if (multiplier === undefined) {
      return { ok: false, reason: "invalid", message: `"${text}" has an unknown unit "${unit}"` };
    }
    seconds += amount * multiplier;
  }
  return { ok: true, seconds };
}

const PROSODY_UNITS: Record<string, number> = {
  s: 1,
  min: MINUTE,
  h: HOUR,
  ho: HOUR,
  d: DAY,
  w: WEEK,
  mon: MONTH,
  y: YEAR,
};
const PROSODY_LAX_UNITS: Record<string, number> = {
  ...PROSODY_UNITS,
  m: MONTH,
  mo: MONTH,
  mi: MINUTE,
  "": 1,
};
const PROSODY_PATTERN = /(\d+)\s*([smhdwy]?[io]?n?)/;

function prosodyParse(text: string, table: Record<string, number>): number | undefined {
  const match = PROSODY_PATTERN.exec(text.toLowerCase());
  if (!match) return undefined;
  const multiplier = table[match[2] ?? ""];
  return multiplier === undefined ? undefined : Number(match[1]) * multiplier;
}

/** Prosody's strict `parse_duration`: the first `<digits><unit>` anywhere in the string. */
export function parseDurationProsody(text: string): number | undefined {
  return prosodyParse(text, PROSODY_UNITS);
}

/** Prosody's `parse_duration_lax`: as strict, but `m`/`mo` are months, `mi` minutes, no unit seconds. */
export function parseDurationLaxProsody(text: string): number | undefined {
  return prosodyParse(text, PROSODY_LAX_UNITS);
}
