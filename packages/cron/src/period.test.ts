import { expect, it } from "vitest";
import { checkWhen, clampPeriod, MAX_PERIOD, parsePeriod } from "./period.js";

it("parses seconds, period strings and never", () => {
  const cases: [unknown, number | undefined][] = [
    [90, 90],
    [-1, Infinity],
    [Number.NaN, undefined],
    ["never", Infinity],
    [false, Infinity],
    ["2 hours", 7200],
    ["1 hr", 3600],
    ["10 mins", 600],
    ["1 minute", 60],
    ["3 weeks", 3 * 604800],
    ["1 month", 31 * 86400],
    ["1 sec", 1],
    ["1hourly", 3600],
    ["1daily", 86400],
    ["1weekly", 604800],
    ["1.5 hours", 5400],
    ["60", undefined],
    ["1m", undefined],
    ["1mo", undefined],
    ["1 ms", undefined],
    ["soon", undefined],
    [true, undefined],
    [{}, undefined],
  ];
  for (const [input, expected] of cases) expect([input, parsePeriod(input)]).toEqual([input, expected]);
});

it("clamps to one minute – 53 weeks", () => {
  expect(clampPeriod(1)).toBe(60);
  expect(clampPeriod(Infinity)).toBe(MAX_PERIOD);
  expect(clampPeriod(3600)).toBe(3600);
});

it("checks when", () => {
  expect(checkWhen("daily")).toBe("daily");
  expect(() => checkWhen("monthly")).toThrowError(expect.objectContaining({ code: "invalid-when" }));
});
