import { UnknownMetricTypeError } from "./errors.js";
import type {
  CounterMetric,
  FamilyCore,
  GaugeMetric,
  LabelValue,
  MetricExtra,
  MetricType,
  SampleMetric,
} from "./metric.js";

/** Prosody's high-level metric kinds. */
export type MeasureType = "amount" | "counter" | "rate" | "times" | "sizes" | "distribution";

export const MEASURE_TYPES: readonly MeasureType[] = [
  "amount",
  "counter",
  "rate",
  "times",
  "sizes",
  "distribution",
];

/** Options of `measure()`. Not every key applies to every type; see the README. */
export interface MeasureConf {
  unit?: string;
  description?: string;
  /** `amount` and `counter`: the value a new series starts at. */
  initial?: number;
  /** `times` and `sizes`: histogram thresholds, ascending. */
  buckets?: readonly number[];
}

/** Stops a `times` measurement and records the elapsed seconds. */
export type StopTimer = () => void;

/** What `measure()` returns, per type. */
export interface MeasureFunctions {
  amount: (value: number) => void;
  counter: (delta?: number) => void;
  rate: () => void;
  times: () => StopTimer;
  sizes: (bytes: number) => void;
  distribution: (value: number) => void;
}

/** Default `times` buckets, in seconds. */
export const TIMES_BUCKETS: readonly number[] = Object.freeze([0.001, 0.01, 0.1, 1, 10, 100]);

/** Default `sizes` buckets, in bytes: 1 KiB to 1 GiB. */
export const SIZES_BUCKETS: readonly number[] = Object.freeze([
  1024, 4096, 32768, 131072, 1048576, 4194304, 33554432, 134217728, 1073741824,
]);

/** Registers the family a measure needs and returns it; supplied by `createMetrics()` or a scope. */
export type MeasureRegistrar = (
  type: MetricType,
  unit: string,
  description: string,
  extra: MetricExtra | undefined,
) => { core: FamilyCore<unknown>; labels: readonly LabelValue[] };

const noop = (): void => {};
const noopTimes = (): StopTimer => noop;

function confObject(conf: MeasureConf | number | string | undefined): MeasureConf {
  return typeof conf === "object" && conf !== null ? conf : {};
}

/**
 * Builds the function `measure()` returns: registers the matching family (Prosody's mapping),
 * fetches this scope's series once, and closes over it.
 */
export function buildMeasure<T extends MeasureType>(
  register: MeasureRegistrar,
  name: string,
  type: T,
  conf: MeasureConf | number | string | undefined,
  now: () => number,
): MeasureFunctions[T] {
  if (!MEASURE_TYPES.includes(type)) {
    throw new UnknownMetricTypeError(
      `unknown measure type ${JSON.stringify(type)}; expected one of ${MEASURE_TYPES.join(", ")}`,
    );
  }
  const options = confObject(conf);
  const description = options.description ?? `${name} ${type === "rate" ? "counter" : type}`;
  const initial = typeof conf === "number" ? conf : options.initial;
  const unit = options.unit ?? "";

  switch (type) {
    case "amount": {
      const { core, labels } = register("gauge", unit, description, undefined);
      if (core.noop) return noop as MeasureFunctions[T];
      const fresh = !core.has(labels);
      const series = core.get(labels) as GaugeMetric;
      if (fresh && initial !== undefined) series.set(initial);
      return ((value: number) => series.set(value)) as MeasureFunctions[T];
    }
    case "counter":
    case "rate": {
      const { core, labels } = register("counter", unit, description, undefined);
      if (core.noop) return noop as MeasureFunctions[T];
      const fresh = !core.has(labels);
      const series = core.get(labels) as CounterMetric;
      if (type === "rate") return (() => series.add(1)) as MeasureFunctions[T];
      if (fresh && initial !== undefined && initial > 0) series.add(initial);
      return ((delta = 1) => series.add(delta)) as MeasureFunctions[T];
    }
    case "times": {
      const buckets = options.buckets ?? TIMES_BUCKETS;
      const { core, labels } = register("histogram", "seconds", description, { buckets });
      if (core.noop) return noopTimes as MeasureFunctions[T];
      const series = core.get(labels) as SampleMetric;
      return (() => {
        const start = now();
        return () => series.sample((now() - start) / 1000);
      }) as MeasureFunctions[T];
    }
    case "sizes": {
      const buckets = options.buckets ?? SIZES_BUCKETS;
      const { core, labels } = register("histogram", "bytes", description, { buckets });
      if (core.noop) return noop as MeasureFunctions[T];
      const series = core.get(labels) as SampleMetric;
      return ((bytes: number) => series.sample(bytes)) as MeasureFunctions[T];
    }
    default: {
      const summaryUnit = typeof conf === "string" ? conf : unit;
      const { core, labels } = register("summary", summaryUnit, description, undefined);
      if (core.noop) return noop as MeasureFunctions[T];
      const series = core.get(labels) as SampleMetric;
      return ((value: number) => series.sample(value)) as MeasureFunctions[T];
    }
  }
}
