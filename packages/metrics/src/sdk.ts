import { metrics as otelMetrics } from "@opentelemetry/api";
import {
  MeterProvider,
  type MeterProviderOptions,
  MetricReader,
  type ResourceMetrics,
} from "@opentelemetry/sdk-metrics";
import { consoleLogger } from "./logger.js";
import { createMetrics, type Metrics, type MetricsOptions } from "./metrics.js";
import {
  createMetricsHandler,
  type MetricsHandler,
  type MetricsHandlerOptions,
} from "./openmetrics/handler.js";
import { renderPrometheusText } from "./openmetrics/prometheus.js";
import { renderOpenMetrics } from "./openmetrics/render.js";

/** A reader that collects only when asked: on each scrape. */
export class PullMetricReader extends MetricReader {
  protected override onForceFlush(): Promise<void> {
    return Promise.resolve();
  }
  protected override onShutdown(): Promise<void> {
    return Promise.resolve();
  }
}

export interface SetupMetricsOptions extends Omit<MetricsOptions, "meter" | "meterProvider"> {
  /** Passed to the SDK's MeterProvider (resource, views, more readers). */
  meterProviderOptions?: MeterProviderOptions;
  /** Also register the provider as OpenTelemetry's global one. Default false. */
  global?: boolean;
}

export interface MetricsSetup {
  meterProvider: MeterProvider;
  reader: PullMetricReader;
  /** `metric()`, `measure()` and `scope()` recording into `meterProvider`. */
  metrics: Metrics;
  /** Collects now; errors from observable callbacks are logged, the data of the others returned. */
  collect(): Promise<ResourceMetrics>;
  /** Collects and renders OpenMetrics text. */
  openMetrics(): Promise<string>;
  /** Collects and renders the Prometheus text format. */
  prometheusText(): Promise<string>;
  /** A `/metrics` handler over `collect()`. */
  handler(options?: Omit<MetricsHandlerOptions, "collect">): MetricsHandler;
  shutdown(): Promise<void>;
}

/**
 * Installs OpenTelemetry's metrics SDK with a pull reader and returns a `createMetrics()`
 * instance bound to it, plus what a `/metrics` endpoint needs. Requires the optional peer
 * dependency `@opentelemetry/sdk-metrics`.
 */
export function setupMetrics(options: SetupMetricsOptions = {}): MetricsSetup {
  const { meterProviderOptions, global = false, ...metricsOptions } = options;
  const logger = options.logger ?? consoleLogger;
  const reader = new PullMetricReader();
  const meterProvider = new MeterProvider({
    ...meterProviderOptions,
    readers: [...(meterProviderOptions?.readers ?? []), reader],
  });
  if (global) otelMetrics.setGlobalMeterProvider(meterProvider);
  const metrics = createMetrics({ ...metricsOptions, meterProvider });
  async function collect(): Promise<ResourceMetrics> {
    const { resourceMetrics, errors } = await reader.collect();
    for (const err of errors) logger.error({ err }, "a metrics callback failed during collection");
    return resourceMetrics;
  }
  return {
    meterProvider,
    reader,
    metrics,
    collect,
    async openMetrics() {
      return renderOpenMetrics(await collect());
    },
    async prometheusText() {
      return renderPrometheusText(await collect());
    },
    handler(handlerOptions = {}) {
      return createMetricsHandler({ logger, ...handlerOptions, collect });
    },
    async shutdown() {
      if (global) otelMetrics.disable();
      await meterProvider.shutdown();
    },
  };
}
