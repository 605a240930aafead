export { DEFAULT_CARDINALITY_LIMIT, OVERFLOW_ATTRIBUTES } from "./cardinality.js";
export {
  InvalidAllowListError,
  InvalidBucketsError,
  InvalidLabelError,
  InvalidMetricNameError,
  LabelCountError,
  MetricConflictError,
  MetricsError,
  UnknownMetricTypeError,
} from "./errors.js";
export { consoleLogger, type MetricsLogger } from "./logger.js";
export {
  MEASURE_TYPES,
  type MeasureConf,
  type MeasureFunctions,
  type MeasureType,
  SIZES_BUCKETS,
  type StopTimer,
  TIMES_BUCKETS,
} from "./measure.js";
export {
  type CounterMetric,
  type GaugeMetric,
  type HistogramMetric,
  type LabelValue,
  METRIC_TYPES,
  type MetricByType,
  type MetricExtra,
  type MetricFamily,
  type MetricType,
  type SampleMetric,
  type SummaryMetric,
} from "./metric.js";
export { createMetrics, type Metrics, type MetricsApi, type MetricsOptions } from "./metrics.js";
export { createAllowList, DEFAULT_ALLOW_IPS } from "./openmetrics/access.js";
export type {
  CollectedDataPoint,
  CollectedHistogram,
  CollectedMetric,
  CollectedMetrics,
} from "./openmetrics/data.js";
export {
  createMetricsHandler,
  type ExpositionFormat,
  type MetricsHandler,
  type MetricsHandlerOptions,
  negotiateFormat,
} from "./openmetrics/handler.js";
export { PROMETHEUS_CONTENT_TYPE, renderPrometheusText } from "./openmetrics/prometheus.js";
export { OPENMETRICS_CONTENT_TYPE, renderOpenMetrics } from "./openmetrics/render.js";
export type { MetricsScope, ScopeOptions } from "./scope.js";
