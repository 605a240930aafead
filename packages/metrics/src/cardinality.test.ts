import { describe, expect, it } from "vitest";
import { DEFAULT_CARDINALITY_LIMIT, seriesKey } from "./cardinality.js";
import { sdkMetrics } from "./helpers.test-helper.js";
import { createMetrics } from "./metrics.js";

describe("cardinality guard", () => {
  it("folds label sets beyond the limit into one overflow series and warns once", async () => {
    const m = sdkMetrics({ cardinalityLimit: 3 });
    const family = m.metrics.metric("counter", "by_feature", "", "", ["feature"]);
    for (const feature of ["a", "b", "c", "d", "e", "f"]) family.withLabels(feature).add();
    family.withLabels("a").add(); // known label sets keep their own series
    family.withLabels("g").add(10);
    const text = await m.text();
    expect(text).toContain('by_feature_total{feature="a"} 2\n');
    expect(text).toContain('by_feature_total{feature="c"} 1\n');
    expect(text).not.toContain('feature="d"');
    expect(text).toContain('by_feature_total{otel_metric_overflow="true"} 13\n');
    const warnings = m.logger.records("warn");
    expect(warnings).toHaveLength(1);
    expect(warnings[0]!.obj).toEqual({ metric: "by_feature", limit: 3, labels: ["d"] });
    expect(warnings[0]!.msg).toMatch(/more than 3 label sets/);
  });

  it("counts label sets per family, across hosts of a scope", async () => {
    const m = sdkMetrics({ cardinalityLimit: 2 });
    const a = m.metrics.scope({ module: "x", host: "a" }).metric("gauge", "g", "", "", ["k"]);
    const b = m.metrics.scope({ module: "x", host: "b" }).metric("gauge", "g", "", "", ["k"]);
    a.withLabels("1").set(1);
    b.withLabels("1").set(2);
    b.withLabels("2").set(3);
    const other = m.metrics.metric("gauge", "other", "", "", ["k"]);
    other.withLabels("1").set(1);
    other.withLabels("2").set(1);
    const text = await m.text();
    expect(text).toContain('canto_mod_x__g{otel_metric_overflow="true"} 3\n');
    expect(text).not.toContain('other{otel_metric_overflow="true"}');
    expect(m.logger.records("warn")).toHaveLength(1);
  });

  it("applies to histograms and summaries too", async () => {
    const m = sdkMetrics({ cardinalityLimit: 1 });
    const h = m.metrics.metric("histogram", "h", "", "", ["k"], { buckets: [1] });
    h.withLabels("a").sample(0);
    h.withLabels("b").sample(2);
    h.withLabels("c").sample(2);
    const text = await m.text();
    expect(text).toContain('h_bucket{otel_metric_overflow="true",le="1.0"} 0\n');
    expect(text).toContain('h_count{otel_metric_overflow="true"} 2\n');
  });

  it("defaults to 1000 label sets per family", async () => {
    expect(DEFAULT_CARDINALITY_LIMIT).toBe(1000);
    const m = sdkMetrics();
    const family = m.metrics.metric("counter", "c", "", "", ["user"]);
    for (let i = 0; i < 1001; i++) family.withLabels(`user${i}`).add();
    const text = await m.text();
    expect(text).toContain('c_total{user="user999"} 1\n');
    expect(text).toContain('c_total{otel_metric_overflow="true"} 1\n');
    expect(m.logger.records("warn")).toHaveLength(1);
  });

  it("Infinity disables the guard; other values must be positive integers", () => {
    expect(() => createMetrics({ cardinalityLimit: Number.POSITIVE_INFINITY })).not.toThrow();
    for (const bad of [0, -1, 1.5, Number.NaN]) {
      expect(() => createMetrics({ cardinalityLimit: bad })).toThrow(RangeError);
    }
  });

  it("series keys cannot collide across different value lists", () => {
    expect(seriesKey(["a:b", "c"])).not.toBe(seriesKey(["a", "b:c"]));
    expect(seriesKey(["1:a", ""])).not.toBe(seriesKey(["", "1:a"]));
    expect(seriesKey([])).toBe("");
  });
});
