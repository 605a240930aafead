import { createNoopMeter, metrics as otelMetrics } from "@opentelemetry/api";
import { afterEach, describe, expect, it } from "vitest";
import { memoryLogger } from "./helpers.test-helper.js";
import { createMetrics } from "./metrics.js";
import { setupMetrics } from "./sdk.js";

describe("with no SDK installed", () => {
  afterEach(() => otelMetrics.disable());

  it("every call is a no-op on shared objects, and nothing is stored per label set", () => {
    const logger = memoryLogger();
    const metrics = createMetrics({ logger, cardinalityLimit: 10 });
    const counter = metrics.metric("counter", "c", "", "", ["k"]);
    const gauge = metrics.metric("gauge", "g", "", "", ["k"]);
    const histogram = metrics.metric("histogram", "h", "", "", ["k"], { buckets: [1] });
    const summary = metrics.metric("summary", "s", "", "", ["k"]);
    for (let i = 0; i < 100; i++) {
      counter.withLabels(`v${i}`).add(1);
      gauge.withLabels(`v${i}`).set(i);
      histogram.withLabels(`v${i}`).sample(i);
      summary.withLabels(`v${i}`).sample(i);
    }
    // The same frozen object for every label set: no series is created, so no overflow warning.
    expect(counter.withLabels("a")).toBe(counter.withLabels("b"));
    expect(Object.isFrozen(counter.withLabels("a"))).toBe(true);
    expect(histogram.withLabels("a")).toBe(summary.withLabels("b"));
    expect(logger.records("warn")).toEqual([]);
    expect(logger.records("debug").every((e) => (e.obj as { noop: boolean }).noop)).toBe(true);
  });

  it("measure() returns shared no-op functions; times does not read the clock", () => {
    let clockReads = 0;
    const metrics = createMetrics({
      logger: memoryLogger(),
      now: () => {
        clockReads++;
        return 0;
      },
    });
    const a = metrics.measure("a", "amount");
    const b = metrics.measure("b", "counter");
    const c = metrics.measure("c", "rate");
    const d = metrics.measure("d", "sizes");
    const e = metrics.measure("e", "distribution");
    expect(new Set([a, b, c, d, e]).size).toBe(1);
    const start = metrics.measure("t", "times");
    const stop = start();
    expect(start()).toBe(stop);
    stop();
    expect(clockReads).toBe(0);
  });

  it("registration is still checked, so mistakes show up before an SDK is installed", () => {
    const metrics = createMetrics({ logger: memoryLogger() });
    expect(() => metrics.metric("counter", "bad name")).toThrow(
      expect.objectContaining({ code: "invalid-metric-name" }),
    );
    metrics.metric("counter", "x");
    expect(() => metrics.metric("gauge", "x")).toThrow(expect.objectContaining({ code: "metric-conflict" }));
    expect(() => metrics.metric("counter", "x").withLabels("extra")).toThrow(
      expect.objectContaining({ code: "label-count-mismatch" }),
    );
  });

  it("an explicit no-op meter behaves the same", () => {
    const metrics = createMetrics({ meter: createNoopMeter(), logger: memoryLogger() });
    expect(metrics.metric("gauge", "g").withLabels()).toBe(metrics.metric("gauge", "h").withLabels());
  });

  it("a global SDK registered before the first registration is picked up", async () => {
    const setup = setupMetrics({ logger: memoryLogger(), global: true });
    try {
      const metrics = createMetrics({ logger: memoryLogger() });
      metrics.measure("late", "counter")(2);
      expect(await setup.openMetrics()).toContain("late_total 2\n");
    } finally {
      await setup.shutdown();
    }
  });
});
