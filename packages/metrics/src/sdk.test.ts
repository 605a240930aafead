import { metrics as otelMetrics } from "@opentelemetry/api";
import { afterEach, describe, expect, it } from "vitest";
import { memoryLogger } from "./helpers.test-helper.js";
import { PullMetricReader, setupMetrics } from "./sdk.js";

describe("setupMetrics()", () => {
  afterEach(() => otelMetrics.disable());

  it("wires a MeterProvider, a pull reader and a metrics instance together", async () => {
    const setup = setupMetrics({ logger: memoryLogger() });
    expect(setup.reader).toBeInstanceOf(PullMetricReader);
    setup.metrics.measure("x", "rate")();
    expect(await setup.openMetrics()).toMatch(
      /^# HELP x x counter\n# TYPE x counter\nx_total 1\nx_created \S+\n# EOF\n$/,
    );
    expect(await setup.prometheusText()).toBe(
      "# HELP x_total x counter\n# TYPE x_total counter\nx_total 1\n",
    );
    await setup.shutdown();
  });

  it("leaves the global provider alone unless asked", async () => {
    const before = otelMetrics.getMeterProvider();
    const local = setupMetrics({ logger: memoryLogger() });
    expect(otelMetrics.getMeterProvider()).toBe(before);
    await local.shutdown();
    const global = setupMetrics({ logger: memoryLogger(), global: true });
    expect(otelMetrics.getMeterProvider()).toBe(global.meterProvider);
    await global.shutdown();
    expect(otelMetrics.getMeterProvider()).not.toBe(global.meterProvider);
  });

  it("exposes instruments created directly on the provider too", async () => {
    const setup = setupMetrics({ logger: memoryLogger() });
    const meter = setup.meterProvider.getMeter("third-party");
    meter.createUpDownCounter("queue.depth", { description: "Queue depth" }).add(4, { queue: "out" });
    meter.createObservableGauge("uptime", { unit: "s" }).addCallback((r) => r.observe(12));
    const text = await setup.openMetrics();
    expect(text).toContain('# TYPE queue_depth gauge\nqueue_depth{queue="out"} 4\n');
    expect(text).toContain("# UNIT uptime_seconds seconds\n# TYPE uptime_seconds gauge\nuptime_seconds 12\n");
    await setup.shutdown();
  });

  it("logs errors of observable callbacks and still returns the other data", async () => {
    const logger = memoryLogger();
    const setup = setupMetrics({ logger });
    setup.metrics.measure("ok", "amount")(1);
    setup.meterProvider
      .getMeter("broken")
      .createObservableGauge("broken")
      .addCallback(() => {
        throw new Error("callback failed");
      });
    expect(await setup.openMetrics()).toContain("ok 1\n");
    expect(logger.records("error").map((e) => e.msg)).toContain(
      "a metrics callback failed during collection",
    );
    await setup.shutdown();
  });

  it("passes the cardinality limit and prefix through", async () => {
    const logger = memoryLogger();
    const setup = setupMetrics({ logger, cardinalityLimit: 1, prefix: "xmpp" });
    const family = setup.metrics.scope({ module: "m" }).metric("counter", "c", "", "", ["k"]);
    family.withLabels("a").add();
    family.withLabels("b").add();
    const text = await setup.openMetrics();
    expect(text).toContain('xmpp_mod_m__c_total{otel_metric_overflow="true"} 1\n');
    await setup.shutdown();
  });
});
