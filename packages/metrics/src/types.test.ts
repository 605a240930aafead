import type { ResourceMetrics } from "@opentelemetry/sdk-metrics";
import { describe, expectTypeOf, it } from "vitest";
import { memoryLogger } from "./helpers.test-helper.js";
import {
  type CollectedMetrics,
  type CounterMetric,
  createMetrics,
  type GaugeMetric,
  type MetricFamily,
  type MetricsLogger,
  type SampleMetric,
  type StopTimer,
} from "./index.js";

describe("types", () => {
  const metrics = createMetrics({ logger: memoryLogger() });

  it("metric() returns a family whose series fit its type", () => {
    expectTypeOf(metrics.metric("counter", "c")).toEqualTypeOf<MetricFamily<CounterMetric>>();
    expectTypeOf(metrics.metric("gauge", "g").withLabels()).toEqualTypeOf<GaugeMetric>();
    expectTypeOf(metrics.metric("summary", "s").withLabels()).toEqualTypeOf<SampleMetric>();
    const h = metrics.metric("histogram", "h", "", "", ["k"], { buckets: [1] }).withLabels("v");
    expectTypeOf(h).toEqualTypeOf<SampleMetric>();
    // @ts-expect-error histograms cannot be set
    h.set;
    // @ts-expect-error not a metric type
    expectTypeOf(() => metrics.metric("meter", "x")).toBeFunction();
  });

  it("measure() returns the function of its type", () => {
    expectTypeOf(metrics.measure("a", "amount")).toEqualTypeOf<(value: number) => void>();
    expectTypeOf(metrics.measure("c", "counter")).toEqualTypeOf<(delta?: number) => void>();
    expectTypeOf(metrics.measure("r", "rate")).toEqualTypeOf<() => void>();
    expectTypeOf(metrics.measure("t", "times")).toEqualTypeOf<() => StopTimer>();
    expectTypeOf(metrics.measure("d", "distribution", "resources")).toEqualTypeOf<(value: number) => void>();
  });

  it("the SDK's collected data and a pino-like logger fit", () => {
    expectTypeOf<ResourceMetrics>().toExtend<CollectedMetrics>();
    // @canto/events' one logger shape: pino's `(obj, msg?)` and `(msg)`, as pino and console have.
    interface PinoLogFn {
      (obj: object, msg?: string, ...args: unknown[]): void;
      (msg: string, ...args: unknown[]): void;
    }
    expectTypeOf<{
      warn: PinoLogFn;
      error: PinoLogFn;
      debug: PinoLogFn;
      info: PinoLogFn;
    }>().toExtend<MetricsLogger>();
    expectTypeOf<Console>().toExtend<MetricsLogger>();
  });
});
