import { describe, expect, it } from "vitest";
import { parseDurationLaxProsody, parseDurationProsody, parsePeriod } from "./duration.js";

const MONTH = 2_678_400;
const YEAR = 31_556_952;

// Ported from Prosody's spec/util_human_io_spec.lua (parse_duration), with the strict/lax split
// of Prosody 13: "1m", "1mi" and "1mo" only parse laxly.
describe("Prosody's parse_duration (strict)", () => {
  it.each([
    ["1s", 1],
    ["1min", 60],
    ["1 min", 60],
    ["1 minute", 60],
    ["2min", 120],
    ["2h", 7200],
    ["2 hours", 7200],
    ["1d", 86_400],
    ["1w", 604_800],
    ["1week", 604_800],
    ["3 weeks", 1_814_400],
    ["1month", MONTH],
    ["1 month", MONTH],
    ["365 days", 31_536_000],
    ["1 year", YEAR],
    ["1 hr", 3600],
    ["10 mins", 600],
    ["1 yr", YEAR],
    ["1 sec", 1],
  ])("%j → %d", (text, seconds) => {
    expect(parseDurationProsody(text)).toBe(seconds);
  });

  it.each(["two weeks", "1m", "1mi", "1mo", "1 ms", "60", "1.5 hours"])("%j → nil", (text) => {
    expect(parseDurationProsody(text)).toBeUndefined();
  });

  it("reads only the first component, ignores signs and leading words (Prosody's surprises)", () => {
    expect(parseDurationProsody("1 day 12 hours")).toBe(86_400);
    expect(parseDurationProsody("-5 days")).toBe(432_000);
    expect(parseDurationProsody("every 3 days")).toBe(259_200);
  });
});

describe("Prosody's parse_duration_lax", () => {
  it.each([
    ["1m", MONTH],
    ["1mo", MONTH],
    ["1mi", 60],
    ["60", 60],
    ["1 ms", MONTH],
    ["1.5 hours", 1],
    ["2 hours", 7200],
  ])("%j → %d", (text, seconds) => {
    expect(parseDurationLaxProsody(text)).toBe(seconds);
  });
});

describe("parsePeriod (Canto)", () => {
  it.each([
    ["1s", 1],
    ["1min", 60],
    ["1 minute", 60],
    ["2h", 7200],
    ["2 hours", 7200],
    ["1 hr", 3600],
    ["10 mins", 600],
    ["1w", 604_800],
    ["3 weeks", 1_814_400],
    ["1 month", MONTH],
    ["1 year", YEAR],
    ["365 days", 31_536_000],
    ["1 day 12 hours", 129_600],
    ["1 day, 12 hours and 30 minutes", 131_400],
    ["1.5 hours", 5400],
    [".5 days", 43_200],
    ["  2 Days ", 172_800],
    ["never", Number.POSITIVE_INFINITY],
    ["Never", Number.POSITIVE_INFINITY],
  ])("%j → %d", (text, seconds) => {
    expect(parsePeriod(text)).toEqual({ ok: true, seconds });
  });

  it.each(["1m", "1mi", "1mo", "1 ms", "60", "1 day 5"])("refuses the ambiguous %j", (text) => {
    expect(parsePeriod(text)).toMatchObject({ ok: false, reason: "ambiguous" });
  });

  it.each(["", "two weeks", "-5 days", "every 3 days", "1 fortnight", "1..5 hours", "days"])(
    "refuses the invalid %j",
    (text) => {
      expect(parsePeriod(text)).toMatchObject({ ok: false, reason: "invalid" });
    },
  );
});
