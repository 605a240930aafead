import v8 from "node:v8";
import { runInNewContext } from "node:vm";
import { type Attributes, createNoopMeter } from "@opentelemetry/api";
import { MeterProvider } from "@opentelemetry/sdk-metrics";
import { bench, describe } from "vitest";
import type { MetricsLogger } from "./logger.js";
import { createMetrics } from "./metrics.js";
import { PullMetricReader } from "./sdk.js";

/** Calls per benchmark iteration: per-call cost = 1 / (hz × CALLS). */
const CALLS = 1000;
// Every task starts from a collected heap, so garbage left by the previous task (the SDK allocates
// on each add) is not billed to the next one.
v8.setFlagsFromString("--expose-gc");
const gc = runInNewContext("gc") as () => void;
const options = { time: 1500, warmupTime: 300, setup: () => gc() };
const quiet: MetricsLogger = { warn() {}, error() {}, debug() {} };
const attributes: Attributes = Object.freeze({ host: "localhost", kind: "message" });
const hostOnly: Attributes = Object.freeze({ host: "localhost" });

function sdkProvider(): MeterProvider {
  return new MeterProvider({ readers: [new PullMetricReader()] });
}

describe("counter add, SDK installed", () => {
  const rawMeter = sdkProvider().getMeter("raw");
  const raw = rawMeter.createCounter("raw_stanzas");
  const rawHost = rawMeter.createCounter("raw_received");
  const scope = createMetrics({ meterProvider: sdkProvider(), logger: quiet }).scope({
    module: "c2s",
    host: "localhost",
  });
  const series = scope.metric("counter", "stanzas", "", "", ["kind"]).withLabels("message");
  const add = scope.measure("received", "counter");

  bench(
    "baseline: raw counter.add(1, { host, kind })",
    () => {
      for (let i = 0; i < CALLS; i++) raw.add(1, attributes);
    },
    options,
  );
  bench(
    "metric(): series.add(1) (labels host, kind)",
    () => {
      for (let i = 0; i < CALLS; i++) series.add(1);
    },
    options,
  );
  bench(
    "baseline: raw counter.add(1, { host })",
    () => {
      for (let i = 0; i < CALLS; i++) rawHost.add(1, hostOnly);
    },
    options,
  );
  bench(
    "measure('counter'): add(1) (label host)",
    () => {
      for (let i = 0; i < CALLS; i++) add(1);
    },
    options,
  );
});

describe("times start/stop, SDK installed", () => {
  const rawMeter = sdkProvider().getMeter("raw");
  const raw = rawMeter.createCounter("raw_received");
  const rawHistogram = rawMeter.createHistogram("raw_time", {
    unit: "seconds",
    advice: { explicitBucketBoundaries: [0.001, 0.01, 0.1, 1, 10, 100] },
  });
  const start = createMetrics({ meterProvider: sdkProvider(), logger: quiet })
    .scope({ module: "c2s", host: "localhost" })
    .measure("auth_time", "times");

  bench(
    "baseline: raw counter.add(1, { host })",
    () => {
      for (let i = 0; i < CALLS; i++) raw.add(1, hostOnly);
    },
    options,
  );
  bench(
    "baseline: raw histogram.record(elapsed, { host }) timed with performance.now()",
    () => {
      for (let i = 0; i < CALLS; i++) {
        const t0 = performance.now();
        rawHistogram.record((performance.now() - t0) / 1000, hostOnly);
      }
    },
    options,
  );
  bench(
    "measure('times'): start()() (label host)",
    () => {
      for (let i = 0; i < CALLS; i++) start()();
    },
    options,
  );
});

describe("no SDK installed", () => {
  const raw = createNoopMeter().createCounter("raw");
  const metrics = createMetrics({ logger: quiet });
  const family = metrics.metric("counter", "stanzas", "", "", ["kind"]);
  const series = family.withLabels("message");
  const add = metrics.measure("received", "counter");
  const start = metrics.measure("time", "times");

  bench(
    "baseline: raw no-op counter.add(1, attributes)",
    () => {
      for (let i = 0; i < CALLS; i++) {
        raw.add(1, attributes);
      }
    },
    options,
  );
  bench(
    "metric(): series.add(1)",
    () => {
      for (let i = 0; i < CALLS; i++) {
        series.add(1);
      }
    },
    options,
  );
  bench(
    "metric(): withLabels('message').add(1)",
    () => {
      for (let i = 0; i < CALLS; i++) {
        family.withLabels("message").add(1);
      }
    },
    options,
  );
  bench(
    "measure('counter'): add(1)",
    () => {
      for (let i = 0; i < CALLS; i++) {
        add(1);
      }
    },
    options,
  );
  bench(
    "measure('times'): start()()",
    () => {
      for (let i = 0; i < CALLS; i++) {
        start()();
      }
    },
    options,
  );
});
