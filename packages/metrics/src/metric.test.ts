import { describe, expect, it } from "vitest";
import {
  InvalidBucketsError,
  LabelCountError,
  MetricConflictError,
  UnknownMetricTypeError,
} from "./errors.js";
import { sdkMetrics } from "./helpers.test-helper.js";
import type { MetricType } from "./metric.js";

describe("metric()", () => {
  it("counter without labels: add, set upwards, _total and _created", async () => {
    const m = sdkMetrics();
    const family = m.metrics.metric("counter", "requests", "", "Requests served");
    const c = family.withLabels();
    c.add();
    c.add(2);
    c.set(10);
    expect(await m.text()).toBe(
      [
        "# HELP requests Requests served",
        "# TYPE requests counter",
        "requests_total 10",
        "requests_created 1700000000",
        "# EOF",
        "",
      ].join("\n"),
    );
  });

  it("counter with labels keeps one series per label set, in declaration order", async () => {
    const m = sdkMetrics();
    const family = m.metrics.metric("counter", "stanzas", "", "Stanzas", ["kind", "dir"]);
    family.withLabels("message", "in").add(3);
    family.withLabels("iq", "out").add(1);
    family.withLabels("message", "in").add(1);
    expect(family.withLabels("message", "in")).toBe(family.withLabels("message", "in"));
    const text = await m.text();
    expect(text).toContain('stanzas_total{kind="message",dir="in"} 4\n');
    expect(text).toContain('stanzas_total{kind="iq",dir="out"} 1\n');
  });

  it("a counter series shows up at 0 as soon as it exists, like Prosody's", async () => {
    const m = sdkMetrics();
    m.metrics.metric("counter", "logins", "", "", ["method"]).withLabels("scram");
    expect(await m.text()).toContain('logins_total{method="scram"} 0\n');
  });

  it("counters never go down: negative add and lower set are ignored with one warning each", async () => {
    const m = sdkMetrics();
    const c = m.metrics.metric("counter", "hits").withLabels();
    c.add(5);
    c.add(-1);
    c.add(-1);
    c.add(Number.NaN);
    c.set(2);
    c.set(1);
    expect(await m.text()).toContain("hits_total 5\n");
    expect(m.logger.records("warn").map((e) => e.msg)).toEqual([
      "counters only go up: ignored a negative or NaN add()",
      "counters only go up: ignored set() below the total",
    ]);
  });

  it("gauge: set, add, reset, with and without labels", async () => {
    const m = sdkMetrics();
    const g = m.metrics.metric("gauge", "memory", "bytes", "Memory in use").withLabels();
    g.set(100);
    g.add(-30);
    const sessions = m.metrics.metric("gauge", "sessions", "", "Sessions", ["type"]);
    sessions.withLabels("c2s").add(2);
    sessions.withLabels("s2s").set(5);
    sessions.withLabels("s2s").reset();
    expect(await m.text()).toBe(
      [
        "# HELP memory_bytes Memory in use",
        "# UNIT memory_bytes bytes",
        "# TYPE memory_bytes gauge",
        "memory_bytes 70",
        "# HELP sessions Sessions",
        "# TYPE sessions gauge",
        'sessions{type="c2s"} 2',
        'sessions{type="s2s"} 0',
        "# EOF",
        "",
      ].join("\n"),
    );
  });

  it("histogram: buckets are cumulative and +Inf is implied", async () => {
    const m = sdkMetrics();
    const h = m.metrics.metric("histogram", "latency", "seconds", "Latency", ["op"], {
      buckets: [0.1, 1, 10],
    });
    for (const v of [0.05, 0.1, 0.5, 5, 50]) h.withLabels("get").sample(v);
    expect(await m.text()).toBe(
      [
        "# HELP latency_seconds Latency",
        "# UNIT latency_seconds seconds",
        "# TYPE latency_seconds histogram",
        'latency_seconds_bucket{op="get",le="0.1"} 2',
        'latency_seconds_bucket{op="get",le="1.0"} 3',
        'latency_seconds_bucket{op="get",le="10.0"} 4',
        'latency_seconds_bucket{op="get",le="+Inf"} 5',
        'latency_seconds_count{op="get"} 5',
        'latency_seconds_sum{op="get"} 55.65',
        'latency_seconds_created{op="get"} 1700000000',
        "# EOF",
        "",
      ].join("\n"),
    );
  });

  it("histogram without labels; negative samples are dropped with one warning", async () => {
    const m = sdkMetrics();
    const h = m.metrics.metric("histogram", "size", "", "", [], { buckets: [10] }).withLabels();
    h.sample(3);
    h.sample(-1);
    h.sample(-2);
    const text = await m.text();
    expect(text).toContain('size_bucket{le="10.0"} 1\nsize_bucket{le="+Inf"} 1\nsize_count 1\nsize_sum 3\n');
    expect(m.logger.records("warn")).toHaveLength(1);
  });

  it("summary: only _count, _sum and _created", async () => {
    const m = sdkMetrics();
    const s = m.metrics.metric("summary", "resources", "", "Resources per user", ["host"]);
    s.withLabels("a.example").sample(2);
    s.withLabels("a.example").sample(3);
    s.withLabels("b.example");
    expect(await m.text()).toBe(
      [
        "# HELP resources Resources per user",
        "# TYPE resources summary",
        'resources_count{host="a.example"} 2',
        'resources_sum{host="a.example"} 5',
        'resources_created{host="a.example"} 1700000000',
        "# EOF",
        "",
      ].join("\n"),
    );
  });

  it("histograms require buckets", () => {
    const m = sdkMetrics();
    expect(() => m.metrics.metric("histogram", "h")).toThrow(InvalidBucketsError);
    expect(() => m.metrics.metric("histogram", "h", "", "", [], { buckets: [] })).toThrow(/non-empty/);
    expect(() => m.metrics.metric("histogram", "h", "", "", [], { buckets: [2, 1] })).toThrow(/ascending/);
    expect(() =>
      m.metrics.metric("histogram", "h", "", "", [], { buckets: [1, Number.POSITIVE_INFINITY] }),
    ).toThrow(expect.objectContaining({ code: "invalid-metric-buckets" }));
  });

  it("unknown types are refused", () => {
    const m = sdkMetrics();
    expect(() => m.metrics.metric("meter" as MetricType, "x")).toThrow(UnknownMetricTypeError);
    expect(() => m.metrics.metric("meter" as MetricType, "x")).toThrow(
      expect.objectContaining({ code: "unknown-metric-type" }),
    );
  });

  it("withLabels() must get exactly one value per label key", () => {
    const m = sdkMetrics();
    const family = m.metrics.metric("gauge", "g", "", "", ["a", "b"]);
    expect(() => family.withLabels("x")).toThrow(LabelCountError);
    expect(() => family.withLabels("x", "y", "z")).toThrow(/expects 2 label value\(s\) \(a, b\), got 3/);
    expect(() => m.metrics.metric("gauge", "h").withLabels("x")).toThrow(
      expect.objectContaining({ code: "label-count-mismatch" }),
    );
  });

  it("withPartialLabel() fixes labels from the left", async () => {
    const m = sdkMetrics();
    const family = m.metrics.metric("counter", "c", "", "", ["a", "b"]);
    const partial = family.withPartialLabel("one");
    expect(partial.labelKeys).toEqual(["b"]);
    partial.withLabels("two").add(4);
    expect(family.withLabels("one", "two")).toBe(partial.withLabels("two"));
    expect(() => partial.withPartialLabel("x").withPartialLabel("y")).toThrow(LabelCountError);
    expect(await m.text()).toContain('c_total{a="one",b="two"} 4\n');
  });

  it("label values are strings; numbers and booleans are converted", async () => {
    const m = sdkMetrics();
    const family = m.metrics.metric("counter", "c", "", "", ["n"]);
    family.withLabels(1).add();
    family.withLabels("1").add();
    expect(family.withLabels(true)).toBe(family.withLabels("true"));
    expect(await m.text()).toContain('c_total{n="1"} 2\n');
  });
});

describe("re-registration", () => {
  it("the same name, type and labels returns the existing family and its values", async () => {
    const m = sdkMetrics();
    for (const type of ["counter", "gauge", "summary"] as const) {
      const a = m.metrics.metric(type, `x_${type}`, "", "", ["k"]);
      const b = m.metrics.metric(type, `x_${type}`, "", "other description", ["k"]);
      expect(b.withLabels("v")).toBe(a.withLabels("v"));
    }
    const h1 = m.metrics.metric("histogram", "x_h", "", "", ["k"], { buckets: [1] });
    const h2 = m.metrics.metric("histogram", "x_h", "", "", ["k"], { buckets: [1] });
    expect(h2.withLabels("v")).toBe(h1.withLabels("v"));
    h1.withLabels("v").sample(0.5);
    h2.withLabels("v").sample(0.5);
    expect(await m.text()).toContain('x_h_count{k="v"} 2\n');
  });

  it("a different type is an error naming both registrations", () => {
    const m = sdkMetrics();
    m.metrics.metric("counter", "x", "", "", ["k"]);
    expect(() => m.metrics.metric("gauge", "x", "", "", ["k"])).toThrow(MetricConflictError);
    expect(() => m.metrics.metric("gauge", "x", "", "", ["k"])).toThrow(
      'metric "x" is already registered by createMetrics() as counter with labels (k); ' +
        "createMetrics() cannot register it as gauge with labels (k)",
    );
  });

  it("different labels or buckets are errors with code metric-conflict", () => {
    const m = sdkMetrics();
    m.metrics.metric("counter", "x", "", "", ["a", "b"]);
    expect(() => m.metrics.metric("counter", "x", "", "", ["b", "a"])).toThrow(
      expect.objectContaining({ code: "metric-conflict" }),
    );
    m.metrics.metric("histogram", "h", "", "", [], { buckets: [1, 2] });
    expect(() => m.metrics.metric("histogram", "h", "", "", [], { buckets: [1, 3] })).toThrow(
      /as histogram with labels \(\) and buckets \[1, 2\]; .* as histogram with labels \(\) and buckets \[1, 3\]/,
    );
  });

  it("the unit is part of the name, as in Prosody", () => {
    const m = sdkMetrics();
    const a = m.metrics.metric("gauge", "x", "bytes");
    const b = m.metrics.metric("counter", "x");
    expect(a.name).toBe("x_bytes");
    expect(b.name).toBe("x");
  });
});
