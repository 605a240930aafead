import { describe, expect, it } from "vitest";
import { ByteBucket, parseRate } from "./rate-limit.js";

describe("parseRate", () => {
  it("reads mod_limits rates in decimal units", () => {
    expect(parseRate("3kb/s", "r")).toBe(3000);
    expect(parseRate("10 KB/s", "r")).toBe(10_000);
    expect(parseRate("512b/s", "r")).toBe(512);
    expect(parseRate("1.5mb/s", "r")).toBe(1_500_000);
    expect(parseRate(2048, "r")).toBe(2048);
  });

  it("names the option when a rate is not understood", () => {
    expect(() => parseRate("fast", "option limits.c2s.rate")).toThrow(
      /option limits.c2s.rate: expected a rate such as "3kb\/s", got "fast"/,
    );
    expect(() => parseRate(0, "x")).toThrow(/x:/);
    expect(() => parseRate("3kb", "x")).toThrow(/x:/);
  });
});

describe("ByteBucket", () => {
  it("allows a burst, then asks for a pause that pays the debt back at the rate", () => {
    const bucket = new ByteBucket(1000, 2, 0);
    expect(bucket.take(2000, 0)).toBe(0);
    expect(bucket.take(500, 0)).toBe(0.5);
    expect(bucket.wait(0.25)).toBe(0.25);
    expect(bucket.wait(0.5)).toBe(0);
    // Refill never goes past the burst.
    expect(bucket.take(2000, 100)).toBe(0);
    expect(bucket.take(1, 100)).toBeCloseTo(0.001);
  });
});
