import type { Attributes } from "@opentelemetry/api";
import type { LabelValue } from "./metric.js";

/** Label sets kept per family before new ones are folded into the overflow series. */
export const DEFAULT_CARDINALITY_LIMIT = 1000;

/**
 * The attributes of the overflow series. They are the ones OpenTelemetry's SDK uses for its own
 * cardinality limit, so both guards fold into the same series; exposed as `otel_metric_overflow="true"`.
 */
export const OVERFLOW_ATTRIBUTES: Attributes = Object.freeze({ "otel.metric.overflow": true });

/** An unambiguous map key for a list of label values. */
export function seriesKey(values: readonly LabelValue[]): string {
  if (values.length === 1) return String(values[0]);
  let key = "";
  for (const value of values) {
    const text = String(value);
    key += `${text.length}:${text}`;
  }
  return key;
}

/** The attributes of one series: label keys in declaration order, values as strings. */
export function attributesFor(keys: readonly string[], values: readonly LabelValue[]): Attributes {
  const attributes: Attributes = {};
  for (let i = 0; i < keys.length; i++) attributes[keys[i]!] = String(values[i]);
  return Object.freeze(attributes);
}

/** Checks a cardinality limit option: a positive integer, or `Infinity` for no limit. */
export function checkCardinalityLimit(limit: number): number {
  if (!(limit === Number.POSITIVE_INFINITY || (Number.isInteger(limit) && limit > 0))) {
    throw new RangeError(`cardinalityLimit must be a positive integer or Infinity, got ${limit}`);
  }
  return limit;
}

/**
 * The series of one family, by label values. Once `limit` label sets exist, any new label set gets
 * the single overflow series instead, and `onOverflow` runs the first time that happens.
 */
export class SeriesTable<M> {
  private readonly series = new Map<string, M>();
  private overflowSeries: M | undefined;

  constructor(
    private readonly keys: readonly string[],
    private readonly limit: number,
    private readonly create: (attributes: Attributes) => M,
    private readonly onOverflow: (values: readonly LabelValue[]) => void,
  ) {}

  /** Number of label sets tracked, not counting the overflow series. */
  get size(): number {
    return this.series.size;
  }

  /** True once some label set has been folded into the overflow series. */
  get overflowed(): boolean {
    return this.overflowSeries !== undefined;
  }

  has(values: readonly LabelValue[]): boolean {
    return this.series.has(seriesKey(values));
  }

  get(values: readonly LabelValue[]): M {
    const key = seriesKey(values);
    const found = this.series.get(key);
    if (found !== undefined) return found;
    if (this.series.size >= this.limit) return this.overflow(values);
    const created = this.create(attributesFor(this.keys, values));
    this.series.set(key, created);
    return created;
  }

  private overflow(values: readonly LabelValue[]): M {
    if (this.overflowSeries === undefined) {
      this.overflowSeries = this.create(OVERFLOW_ATTRIBUTES);
      this.onOverflow(values);
    }
    return this.overflowSeries;
  }
}
