import type { Attributes, HrTime } from "@opentelemetry/api";

/*
 * The shape of what an OpenTelemetry SDK's MetricReader.collect() returns (sdk-metrics 2.x
 * `ResourceMetrics`), reduced to the fields the renderers read. Declared here so that rendering
 * needs no SDK at run time; the SDK's own objects fit these types.
 */

/** `DataPointType` values of @opentelemetry/sdk-metrics. */
export const DataPointKind = {
  HISTOGRAM: 0,
  EXPONENTIAL_HISTOGRAM: 1,
  GAUGE: 2,
  SUM: 3,
} as const;

export interface CollectedHistogram {
  buckets: { boundaries: readonly number[]; counts: readonly number[] };
  sum?: number;
  count: number;
}

export interface CollectedExponentialHistogram {
  sum?: number;
  count: number;
}

export interface CollectedDataPoint {
  readonly startTime: HrTime;
  readonly attributes: Attributes;
  readonly value: number | CollectedHistogram | CollectedExponentialHistogram;
}

export interface CollectedMetric {
  readonly descriptor: { readonly name: string; readonly description: string; readonly unit: string };
  readonly dataPointType: number;
  readonly isMonotonic?: boolean;
  readonly dataPoints: readonly CollectedDataPoint[];
}

export interface CollectedMetrics {
  readonly scopeMetrics: readonly { readonly metrics: readonly CollectedMetric[] }[];
}

export type ExposedType = "counter" | "gauge" | "histogram" | "summary";

/** One series ready to print: labels as [name, value] pairs, values already in numbers. */
export interface ExposedPoint {
  labels: readonly (readonly [string, string])[];
  /** Seconds since the epoch when the series started. */
  created: number;
  /** Counter and gauge value. */
  value: number;
  /** Histogram: cumulative counts at each finite threshold. */
  buckets: readonly (readonly [number, number])[];
  count: number;
  sum: number | undefined;
}

export interface ExposedFamily {
  /** Exposition name without type suffixes (`_total`, `_bucket`, ...), unit suffix included. */
  name: string;
  type: ExposedType;
  help: string;
  unit: string;
  points: ExposedPoint[];
}

const UCUM: Record<string, string> = {
  s: "seconds",
  ms: "milliseconds",
  us: "microseconds",
  ns: "nanoseconds",
  min: "minutes",
  h: "hours",
  d: "days",
  By: "bytes",
  KiBy: "kibibytes",
  MiBy: "mebibytes",
  GiBy: "gibibytes",
  KBy: "kilobytes",
  MBy: "megabytes",
  GBy: "gigabytes",
  bit: "bits",
  Hz: "hertz",
  "%": "percent",
  "1": "",
};

/** Denominators read better in the singular: `bytes_per_second`. */
const SINGULAR: Record<string, string> = { seconds: "second", minutes: "minute", hours: "hour", days: "day" };

function sanitize(text: string): string {
  return text.replace(/[^a-zA-Z0-9_]/g, "_");
}

/** An exposition unit: Prosody's units pass through; common UCUM units get their long names. */
export function exposedUnit(unit: string): string {
  const bare = unit.replace(/\{[^}]*\}/g, "").trim();
  if (bare === "") return "";
  const mapped = UCUM[bare];
  if (mapped !== undefined) return mapped;
  const slash = bare.indexOf("/");
  if (slash > 0) {
    const per = SINGULAR[exposedUnit(bare.slice(slash + 1))] ?? exposedUnit(bare.slice(slash + 1));
    const of = exposedUnit(bare.slice(0, slash));
    return per === "" ? of : `${of}_per_${per}`;
  }
  return sanitize(bare);
}

/** A metric name as exposed: `/` becomes `__`, other invalid characters `_`; no leading digit. */
export function exposedName(name: string): string {
  const out = sanitize(name.replace(/\//g, "__"));
  return /^[0-9]/.test(out) || out === "" ? `_${out}` : out;
}

/** A label name as exposed: invalid characters become `_`; no leading digit. */
export function exposedLabelName(name: string): string {
  const out = sanitize(name);
  return /^[0-9]/.test(out) || out === "" ? `_${out}` : out;
}

function labelValue(value: unknown): string {
  if (typeof value === "string") return value;
  if (Array.isArray(value)) return JSON.stringify(value);
  return String(value);
}

function labelsOf(attributes: Attributes, reserved: string | undefined): [string, string][] {
  const labels: [string, string][] = [];
  const seen = new Set<string>();
  for (const [key, value] of Object.entries(attributes)) {
    if (value === undefined) continue;
    const name = exposedLabelName(key);
    if (name === reserved || seen.has(name)) continue;
    seen.add(name);
    labels.push([name, labelValue(value)]);
  }
  return labels;
}

function seconds(time: HrTime): number {
  return time[0] + time[1] / 1e9;
}

function exposedType(metric: CollectedMetric): ExposedType | undefined {
  switch (metric.dataPointType) {
    case DataPointKind.SUM:
      return metric.isMonotonic ? "counter" : "gauge";
    case DataPointKind.GAUGE:
      return "gauge";
    case DataPointKind.HISTOGRAM:
      // A histogram with no finite bucket is how this package records a summary.
      return metric.dataPoints.every((p) => (p.value as CollectedHistogram).buckets.boundaries.length === 0)
        ? "summary"
        : "histogram";
    case DataPointKind.EXPONENTIAL_HISTOGRAM:
      return "summary";
    default:
      return undefined;
  }
}

function point(type: ExposedType, p: CollectedDataPoint): ExposedPoint {
  const labels = labelsOf(
    p.attributes,
    type === "histogram" ? "le" : type === "summary" ? "quantile" : undefined,
  );
  const created = seconds(p.startTime);
  if (typeof p.value === "number") {
    return { labels, created, value: p.value, buckets: [], count: 0, sum: undefined };
  }
  const value = p.value as Partial<CollectedHistogram> & CollectedExponentialHistogram;
  const buckets: [number, number][] = [];
  if (type === "histogram" && value.buckets) {
    let cumulative = 0;
    const { boundaries, counts } = value.buckets;
    for (let i = 0; i < boundaries.length; i++) {
      cumulative += counts[i] ?? 0;
      buckets.push([boundaries[i]!, cumulative]);
    }
  }
  return { labels, created, value: 0, buckets, count: value.count, sum: value.sum };
}

/**
 * Turns collected data into exposition families, sorted by name. Families that come out under the
 * same name (the same instrument from two meters) are merged when their types agree; otherwise
 * the first one wins. Families with no data point are left out.
 */
export function exposedFamilies(collected: CollectedMetrics): ExposedFamily[] {
  const byName = new Map<string, ExposedFamily>();
  for (const scope of collected.scopeMetrics) {
    for (const metric of scope.metrics) {
      const type = exposedType(metric);
      if (type === undefined || metric.dataPoints.length === 0) continue;
      let name = exposedName(metric.descriptor.name);
      if (type === "counter" && name.endsWith("_total")) name = name.slice(0, -"_total".length);
      const unit = exposedUnit(metric.descriptor.unit);
      if (unit !== "" && !name.endsWith(`_${unit}`)) name = `${name}_${unit}`;
      const points = metric.dataPoints.map((p) => point(type, p));
      const existing = byName.get(name);
      if (existing) {
        if (existing.type === type) existing.points.push(...points);
        continue;
      }
      byName.set(name, { name, type, help: metric.descriptor.description, unit, points });
    }
  }
  return [...byName.values()].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}
