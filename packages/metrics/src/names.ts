import { InvalidBucketsError, InvalidLabelError, InvalidMetricNameError } from "./errors.js";
import type { MetricType } from "./metric.js";

const NAME = /^[a-zA-Z][a-zA-Z0-9_]*$/;
const MODULE = /^[a-zA-Z0-9_]+$/;
const UNIT = /^[a-zA-Z0-9_]*$/;
const LABEL = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

/** OpenTelemetry refuses instrument names longer than this. */
export const MAX_NAME_LENGTH = 255;

/** Throws unless `name` is a metric name: a letter, then letters, digits or `_`. */
export function checkMetricName(name: unknown): asserts name is string {
  if (typeof name !== "string" || !NAME.test(name)) {
    throw new InvalidMetricNameError(
      `invalid metric name ${JSON.stringify(name)}: it must match [a-zA-Z][a-zA-Z0-9_]*`,
    );
  }
}

/** Throws unless `module` may appear in `<prefix>_mod_<module>/<name>`. */
export function checkModuleName(module: unknown): asserts module is string {
  if (typeof module !== "string" || !MODULE.test(module)) {
    throw new InvalidMetricNameError(
      `invalid module name ${JSON.stringify(module)} for metrics: it must match [a-zA-Z0-9_]+`,
    );
  }
}

/** Throws unless `prefix` is empty or a metric name. */
export function checkPrefix(prefix: unknown): asserts prefix is string {
  if (typeof prefix !== "string" || (prefix !== "" && !NAME.test(prefix))) {
    throw new InvalidMetricNameError(
      `invalid metric prefix ${JSON.stringify(prefix)}: it must be empty or match [a-zA-Z][a-zA-Z0-9_]*`,
    );
  }
}

/** Throws unless `unit` is empty or made of letters, digits and `_` (it becomes part of the name). */
export function checkUnit(unit: unknown): asserts unit is string {
  if (typeof unit !== "string" || !UNIT.test(unit)) {
    throw new InvalidMetricNameError(
      `invalid unit ${JSON.stringify(unit)}: it must match [a-zA-Z0-9_]* because it ends the metric name`,
    );
  }
}

/** The family's full name: Prosody appends `_<unit>` when there is a unit. */
export function fullName(base: string, unit: string): string {
  const name = unit === "" ? base : `${base}_${unit}`;
  if (name.length > MAX_NAME_LENGTH) {
    throw new InvalidMetricNameError(
      `metric name ${JSON.stringify(name)} is ${name.length} characters long; the limit is ${MAX_NAME_LENGTH}`,
    );
  }
  return name;
}

/**
 * Throws unless every key is a valid, distinct label name allowed for this type. `reserved` holds
 * keys the caller fills in itself (the implicit `host` of a host scope).
 */
export function checkLabelKeys(
  keys: readonly unknown[],
  type: MetricType,
  reserved: readonly string[] = [],
): asserts keys is readonly string[] {
  if (!Array.isArray(keys)) throw new InvalidLabelError("labels must be an array of label keys");
  const seen = new Set<string>();
  for (const key of keys) {
    if (typeof key !== "string" || !LABEL.test(key) || key.startsWith("__")) {
      throw new InvalidLabelError(
        `invalid label key ${JSON.stringify(key)}: it must match [a-zA-Z_][a-zA-Z0-9_]* and not start with __`,
      );
    }
    if (reserved.includes(key)) {
      throw new InvalidLabelError(`label key "${key}" is filled in implicitly here; do not declare it`);
    }
    if ((type === "histogram" && key === "le") || (type === "summary" && key === "quantile")) {
      throw new InvalidLabelError(`label key "${key}" is reserved for ${type} metrics`);
    }
    if (seen.has(key)) throw new InvalidLabelError(`label key "${key}" is declared twice`);
    seen.add(key);
  }
}

/** Throws unless `buckets` is a non-empty, strictly ascending list of finite numbers. */
export function checkBuckets(name: string, buckets: unknown): asserts buckets is readonly number[] {
  if (!Array.isArray(buckets) || buckets.length === 0) {
    throw new InvalidBucketsError(
      `histogram "${name}" needs extra.buckets, a non-empty ascending list of thresholds (+Inf is implied)`,
    );
  }
  let previous = Number.NEGATIVE_INFINITY;
  for (const b of buckets) {
    if (typeof b !== "number" || !Number.isFinite(b) || b <= previous) {
      throw new InvalidBucketsError(
        `histogram "${name}" has invalid buckets [${buckets.join(", ")}]: they must be finite and strictly ascending`,
      );
    }
    previous = b;
  }
}
