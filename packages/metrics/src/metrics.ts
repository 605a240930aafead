import { type Meter, type MeterProvider, metrics as otelMetrics } from "@opentelemetry/api";
import { checkCardinalityLimit, DEFAULT_CARDINALITY_LIMIT } from "./cardinality.js";
import { MetricConflictError, UnknownMetricTypeError } from "./errors.js";
import { consoleLogger, type MetricsLogger } from "./logger.js";
import { buildMeasure, type MeasureConf, type MeasureFunctions, type MeasureType } from "./measure.js";
import {
  createInstrument,
  FamilyCore,
  type FamilyDefinition,
  METRIC_TYPES,
  type MetricByType,
  type MetricExtra,
  type MetricFamily,
  type MetricType,
} from "./metric.js";
import { checkBuckets, checkLabelKeys, checkMetricName, checkPrefix, checkUnit, fullName } from "./names.js";
import { createScope, type MetricsScope, type ScopeOptions } from "./scope.js";

/** Where `createMetrics()` records and how it behaves. All optional. */
export interface MetricsOptions {
  /** Record through this meter. */
  meter?: Meter;
  /** Or take a meter from this provider. Without either, the global provider is asked at each registration. */
  meterProvider?: MeterProvider;
  /** Instrumentation scope name of the meter taken from a provider. Default `"@canto/metrics"`. */
  meterName?: string;
  /** First part of scoped names: `<prefix>_mod_<module>/<name>`. Default `"canto"`. */
  prefix?: string;
  /** Receives one-time warnings (cardinality overflow, counters asked to go down). Default: the console. */
  logger?: MetricsLogger;
  /** Label sets per family before new ones fold into the overflow series. Default 1000. */
  cardinalityLimit?: number;
  /** Monotonic clock in milliseconds, for `times`. Default `performance.now()`. */
  now?: () => number;
}

/** `metric()` and `measure()`, as a module (or any code) sees them. */
export interface MetricsApi {
  /**
   * Declares a family (or returns the one already declared with the same type, labels and buckets).
   * The full name is `name`, plus `_<unit>` when there is a unit.
   */
  metric<T extends MetricType>(
    type: T,
    name: string,
    unit?: string,
    description?: string,
    labels?: readonly string[],
    extra?: MetricExtra,
  ): MetricFamily<MetricByType[T]>;
  /** Prosody's high-level API: a function that records one kind of measurement. */
  measure<T extends MeasureType>(
    name: string,
    type: T,
    conf?: MeasureConf | number | string,
  ): MeasureFunctions[T];
}

export interface Metrics extends MetricsApi {
  /** The prefix of scoped names. */
  readonly prefix: string;
  /** `metric()` and `measure()` for one module, on one host or global. */
  scope(options: ScopeOptions): MetricsScope;
}

/** What `Registry.register()` needs to declare one family. */
export interface RegisterRequest {
  type: MetricType;
  /** The name before the unit suffix, already validated or built from validated parts. */
  base: string;
  unit: string | undefined;
  description: string | undefined;
  labels: readonly string[] | undefined;
  extra: MetricExtra | undefined;
  /** Label keys filled in by the caller and placed first (the implicit `host`). */
  implicit: readonly string[];
  owner: string;
}

function describe(def: FamilyDefinition): string {
  const buckets = def.type === "histogram" ? ` and buckets [${(def.buckets ?? []).join(", ")}]` : "";
  return `${def.type} with labels (${def.labelKeys.join(", ")})${buckets}`;
}

function sameDefinition(a: FamilyDefinition, b: FamilyDefinition): boolean {
  if (a.type !== b.type || a.labelKeys.length !== b.labelKeys.length) return false;
  if (a.labelKeys.some((key, i) => key !== b.labelKeys[i])) return false;
  if (a.type !== "histogram") return true;
  const x = a.buckets ?? [];
  const y = b.buckets ?? [];
  return x.length === y.length && x.every((v, i) => v === y[i]);
}

/** The families declared through one `createMetrics()` instance, by full name. */
export class Registry {
  readonly logger: MetricsLogger;
  readonly limit: number;
  readonly now: () => number;
  private readonly families = new Map<string, FamilyCore<unknown>>();

  constructor(private readonly options: MetricsOptions) {
    this.logger = options.logger ?? consoleLogger;
    this.limit = checkCardinalityLimit(options.cardinalityLimit ?? DEFAULT_CARDINALITY_LIMIT);
    this.now = options.now ?? (() => performance.now());
  }

  private meter(): Meter {
    if (this.options.meter) return this.options.meter;
    const provider = this.options.meterProvider ?? otelMetrics.getMeterProvider();
    return provider.getMeter(this.options.meterName ?? "@canto/metrics");
  }

  register(request: RegisterRequest): FamilyCore<unknown> {
    const { type } = request;
    if (!METRIC_TYPES.includes(type)) {
      throw new UnknownMetricTypeError(
        `unknown metric family type ${JSON.stringify(type)}; expected gauge, counter, histogram or summary`,
      );
    }
    const unit = request.unit ?? "";
    checkUnit(unit);
    const name = fullName(request.base, unit);
    const labels = request.labels ?? [];
    checkLabelKeys(labels, type, request.implicit);
    let buckets: readonly number[] | undefined;
    if (type === "histogram") {
      checkBuckets(name, request.extra?.buckets);
      buckets = Object.freeze([...request.extra!.buckets!]);
    }
    const def: FamilyDefinition = {
      name,
      type,
      unit,
      description: request.description ?? "",
      labelKeys: Object.freeze([...request.implicit, ...labels]),
      buckets,
      owner: request.owner,
    };
    const existing = this.families.get(name);
    if (existing) {
      if (sameDefinition(existing.def, def)) return existing;
      throw new MetricConflictError(
        `metric "${name}" is already registered by ${existing.def.owner} as ${describe(existing.def)}; ` +
          `${def.owner} cannot register it as ${describe(def)}`,
      );
    }
    const core = new FamilyCore<unknown>(def, createInstrument(this.meter(), def), this.limit, this.logger);
    this.families.set(name, core);
    this.logger.debug(
      { metric: name, type, labels: def.labelKeys, noop: core.noop },
      "metric family registered",
    );
    return core;
  }
}

/**
 * Creates the metrics API on top of an OpenTelemetry meter. Without an SDK installed (no meter,
 * no provider, and no global provider registered), every recording call is a no-op.
 */
export function createMetrics(options: MetricsOptions = {}): Metrics {
  const prefix = options.prefix ?? "canto";
  checkPrefix(prefix);
  const registry = new Registry(options);
  const owner = "createMetrics()";
  return {
    prefix,
    metric(type, name, unit, description, labels, extra) {
      checkMetricName(name);
      const core = registry.register({
        type,
        base: name,
        unit,
        description,
        labels,
        extra,
        implicit: [],
        owner,
      });
      return core.view() as MetricFamily<MetricByType[typeof type]>;
    },
    measure(name, type, conf) {
      checkMetricName(name);
      return buildMeasure(
        (metricType, unit, description, extra) => ({
          core: registry.register({
            type: metricType,
            base: name,
            unit,
            description,
            labels: [],
            extra,
            implicit: [],
            owner,
          }),
          labels: [],
        }),
        name,
        type,
        conf as MeasureConf | number | string | undefined,
        registry.now,
      );
    },
    scope(scopeOptions) {
      return createScope(registry, prefix, scopeOptions);
    },
  };
}
