import { describe, expect, it } from "vitest";
import { InvalidLabelError, InvalidMetricNameError } from "./errors.js";
import { sdkMetrics } from "./helpers.test-helper.js";
import { createMetrics } from "./metrics.js";

describe("name validation", () => {
  const m = sdkMetrics();

  it("accepts [a-zA-Z][a-zA-Z0-9_]*", () => {
    for (const name of ["a", "Z9", "c2s_sessions", "x_"])
      expect(() => m.metrics.metric("gauge", name)).not.toThrow();
  });

  it.each(["", "1abc", "_x", "a-b", "a.b", "a/b", "a b", "é", "a\n"])("refuses %j", (name) => {
    expect(() => m.metrics.metric("gauge", name)).toThrow(InvalidMetricNameError);
    expect(() => m.metrics.measure(name, "amount")).toThrow(
      expect.objectContaining({
        code: "invalid-metric-name",
        message: expect.stringContaining(JSON.stringify(name)),
      }),
    );
  });

  it("refuses units that cannot end a name", () => {
    expect(() => m.metrics.metric("gauge", "g", "kB/s")).toThrow(InvalidMetricNameError);
    expect(() => m.metrics.measure("g", "amount", { unit: "a b" })).toThrow(/invalid unit/);
  });

  it("refuses names longer than OpenTelemetry allows", () => {
    expect(() => m.metrics.metric("gauge", "a".repeat(255))).not.toThrow();
    expect(() => m.metrics.metric("gauge", "a".repeat(250), "seconds")).toThrow(/the limit is 255/);
  });

  it("refuses malformed, reserved and repeated label keys", () => {
    const bad: [string[], string][] = [
      [["1x"], "counter"],
      [["a-b"], "counter"],
      [["__name"], "counter"],
      [["a", "a"], "counter"],
      [["le"], "histogram"],
      [["quantile"], "summary"],
    ];
    for (const [labels, type] of bad) {
      expect(() =>
        m.metrics.metric(type as "counter", `l_${type}`, "", "", labels, { buckets: [1] }),
      ).toThrow(InvalidLabelError);
    }
    expect(() => m.metrics.metric("counter", "ok_le", "", "", ["le", "_private"])).not.toThrow();
    expect(() => m.metrics.metric("counter", "str", "", "", "kind" as unknown as string[])).toThrow(
      /must be an array/,
    );
  });

  it("refuses a bad prefix", () => {
    expect(() => createMetrics({ prefix: "9x" })).toThrow(InvalidMetricNameError);
    expect(() => createMetrics({ prefix: "a-b" })).toThrow(/invalid metric prefix/);
  });
});
