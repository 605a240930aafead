import {
  type Attributes,
  type Counter,
  createNoopMeter,
  type Gauge,
  type Histogram,
  type Meter,
} from "@opentelemetry/api";
import { SeriesTable } from "./cardinality.js";
import { LabelCountError } from "./errors.js";
import type { MetricsLogger } from "./logger.js";

/** The four OpenMetrics family types Prosody's `module:metric()` offers. */
export type MetricType = "gauge" | "counter" | "histogram" | "summary";

export const METRIC_TYPES: readonly MetricType[] = ["gauge", "counter", "histogram", "summary"];

/** A label value; numbers and booleans are written as strings. */
export type LabelValue = string | number | boolean;

/** One gauge series: a value that goes up and down. */
export interface GaugeMetric {
  set(value: number): void;
  add(delta: number): void;
  /** Sets the gauge back to 0. */
  reset(): void;
}

/** One counter series: a total that only goes up. */
export interface CounterMetric {
  /** Adds `delta` (default 1). A negative or NaN delta is ignored with a one-time warning. */
  add(delta?: number): void;
  /** Raises the total to `value`. Counters cannot go down: a lower value is ignored with a warning. */
  set(value: number): void;
}

/** One histogram or summary series. */
export interface SampleMetric {
  /** Records one observation. Negative values are dropped (an OpenTelemetry rule), with a warning. */
  sample(value: number): void;
}

export type HistogramMetric = SampleMetric;
export type SummaryMetric = SampleMetric;

/** The series type each family type hands out. */
export interface MetricByType {
  gauge: GaugeMetric;
  counter: CounterMetric;
  histogram: HistogramMetric;
  summary: SummaryMetric;
}

/** Extra options of `metric()`. Histograms require `buckets`; `+Inf` is implied. */
export interface MetricExtra {
  buckets?: readonly number[];
}

/** A registered family; `withLabels()` picks one series by its label values. */
export interface MetricFamily<M> {
  /** The full name, as registered with OpenTelemetry (unit suffix included). */
  readonly name: string;
  readonly type: MetricType;
  readonly unit: string;
  readonly description: string;
  /** The label keys `withLabels()` still expects values for. */
  readonly labelKeys: readonly string[];
  /** The series for these label values; their number must match `labelKeys`. */
  withLabels(...values: LabelValue[]): M;
  /** A view of this family with the first remaining label fixed to `value`. */
  withPartialLabel(value: LabelValue): MetricFamily<M>;
}

/** What a family was registered with; two registrations agree when these agree. */
export interface FamilyDefinition {
  readonly name: string;
  readonly type: MetricType;
  readonly unit: string;
  readonly description: string;
  readonly labelKeys: readonly string[];
  readonly buckets: readonly number[] | undefined;
  /** Who registered it, for error messages. */
  readonly owner: string;
}

const noopMeter = createNoopMeter();
const NOOP_INSTRUMENTS = new Set<unknown>([
  noopMeter.createCounter("noop"),
  noopMeter.createGauge("noop"),
  noopMeter.createHistogram("noop"),
]);

/** True for the instruments @opentelemetry/api hands out when no SDK is installed. */
export function isNoopInstrument(instrument: unknown): boolean {
  return NOOP_INSTRUMENTS.has(instrument);
}

const noop = (): void => {};
export const NOOP_GAUGE: GaugeMetric = Object.freeze({ set: noop, add: noop, reset: noop });
export const NOOP_COUNTER: CounterMetric = Object.freeze({ add: noop, set: noop });
export const NOOP_SAMPLE: SampleMetric = Object.freeze({ sample: noop });

/** One-time warnings of a family, so a hot loop cannot flood the log. */
class Warnings {
  private readonly given = new Set<string>();
  constructor(
    private readonly family: string,
    private readonly logger: MetricsLogger,
  ) {}
  once(kind: string, details: object, message: string): void {
    if (this.given.has(kind)) return;
    this.given.add(kind);
    this.logger.warn({ metric: this.family, ...details }, message);
  }
}

class CounterSeries implements CounterMetric {
  private total = 0;
  constructor(
    private readonly instrument: Counter,
    private readonly attributes: Attributes,
    private readonly warnings: Warnings,
  ) {}
  add(delta = 1): void {
    if (!(delta >= 0)) {
      this.warnings.once("negative", { delta }, "counters only go up: ignored a negative or NaN add()");
      return;
    }
    this.total += delta;
    this.instrument.add(delta, this.attributes);
  }
  set(value: number): void {
    const delta = value - this.total;
    if (delta > 0) this.add(delta);
    else if (delta < 0)
      this.warnings.once(
        "decrease",
        { value, total: this.total },
        "counters only go up: ignored set() below the total",
      );
  }
}

class GaugeSeries implements GaugeMetric {
  private value = 0;
  constructor(
    private readonly instrument: Gauge,
    private readonly attributes: Attributes,
  ) {}
  set(value: number): void {
    this.value = value;
    this.instrument.record(value, this.attributes);
  }
  add(delta: number): void {
    this.set(this.value + delta);
  }
  reset(): void {
    this.set(0);
  }
}

class SampleSeries implements SampleMetric {
  constructor(
    private readonly instrument: Histogram,
    private readonly attributes: Attributes,
    private readonly warnings: Warnings,
  ) {}
  sample(value: number): void {
    if (value < 0) {
      this.warnings.once("negative", { value }, "histograms and summaries drop negative samples");
      return;
    }
    this.instrument.record(value, this.attributes);
  }
}

export type Instrument = Counter | Gauge | Histogram;

/** Creates the OpenTelemetry instrument behind a family. Summaries are histograms without buckets. */
export function createInstrument(meter: Meter, def: FamilyDefinition): Instrument {
  const options = { unit: def.unit, description: def.description };
  switch (def.type) {
    case "counter":
      return meter.createCounter(def.name, options);
    case "gauge":
      return meter.createGauge(def.name, options);
    case "histogram":
      return meter.createHistogram(def.name, {
        ...options,
        advice: { explicitBucketBoundaries: [...(def.buckets ?? [])] },
      });
    case "summary":
      return meter.createHistogram(def.name, { ...options, advice: { explicitBucketBoundaries: [] } });
  }
}

/**
 * A family: its definition, its instrument, and its series by label values. Series of a family
 * with no SDK behind it are shared no-op objects, and nothing is stored for them.
 */
export class FamilyCore<M> {
  readonly noop: boolean;
  private readonly table: SeriesTable<M>;
  private readonly warnings: Warnings;

  constructor(
    readonly def: FamilyDefinition,
    instrument: Instrument,
    limit: number,
    logger: MetricsLogger,
  ) {
    this.noop = isNoopInstrument(instrument);
    this.warnings = new Warnings(def.name, logger);
    const create = seriesFactory(def.type, instrument, this.warnings) as (attributes: Attributes) => M;
    this.table = new SeriesTable<M>(def.labelKeys, limit, create, (values) =>
      this.warnings.once(
        "cardinality",
        { limit, labels: values.map(String) },
        `more than ${limit} label sets: new label values now go to the overflow series otel_metric_overflow="true"`,
      ),
    );
  }

  /** Number of series created (overflow not counted). */
  get size(): number {
    return this.table.size;
  }

  has(values: readonly LabelValue[]): boolean {
    return this.table.has(values);
  }

  /** The series for a full list of label values (count already checked). */
  get(values: readonly LabelValue[]): M {
    if (this.noop) return noopSeries(this.def.type) as M;
    return this.table.get(values);
  }

  /** A public view with the first `fixed.length` label values filled in. */
  view(fixed: readonly LabelValue[] = []): MetricFamily<M> {
    return new FamilyView(this, fixed);
  }
}

function noopSeries(type: MetricType): GaugeMetric | CounterMetric | SampleMetric {
  if (type === "gauge") return NOOP_GAUGE;
  if (type === "counter") return NOOP_COUNTER;
  return NOOP_SAMPLE;
}

function seriesFactory(
  type: MetricType,
  instrument: Instrument,
  warnings: Warnings,
): (attributes: Attributes) => GaugeMetric | CounterMetric | SampleMetric {
  switch (type) {
    case "counter":
      return (attributes) => {
        const series = new CounterSeries(instrument as Counter, attributes, warnings);
        // Like Prosody, a series is exposed (at 0) as soon as it exists.
        (instrument as Counter).add(0, attributes);
        return series;
      };
    case "gauge":
      return (attributes) => {
        const series = new GaugeSeries(instrument as Gauge, attributes);
        series.set(0);
        return series;
      };
    default:
      return (attributes) => new SampleSeries(instrument as Histogram, attributes, warnings);
  }
}

class FamilyView<M> implements MetricFamily<M> {
  readonly labelKeys: readonly string[];

  constructor(
    private readonly core: FamilyCore<M>,
    private readonly fixed: readonly LabelValue[],
  ) {
    this.labelKeys = core.def.labelKeys.slice(fixed.length);
  }

  get name(): string {
    return this.core.def.name;
  }
  get type(): MetricType {
    return this.core.def.type;
  }
  get unit(): string {
    return this.core.def.unit;
  }
  get description(): string {
    return this.core.def.description;
  }

  withLabels(...values: LabelValue[]): M {
    if (values.length !== this.labelKeys.length) {
      throw new LabelCountError(
        `metric "${this.core.def.name}" expects ${this.labelKeys.length} label value(s) (${this.labelKeys.join(", ")}), got ${values.length}`,
      );
    }
    if (this.fixed.length === 0 || this.core.noop) return this.core.get(values);
    return this.core.get([...this.fixed, ...values]);
  }

  withPartialLabel(value: LabelValue): MetricFamily<M> {
    if (this.labelKeys.length === 0) {
      throw new LabelCountError(`metric "${this.core.def.name}" has no label left to fill in`);
    }
    return new FamilyView(this.core, [...this.fixed, value]);
  }
}
