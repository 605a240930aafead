/**
 * Every error this package throws is a `MetricsError` with a stable `code`, so callers can branch
 * on the code instead of parsing messages.
 */
export class MetricsError extends Error {
  readonly code: string;
  constructor(code: string, message: string) {
    super(message);
    this.name = new.target.name;
    this.code = code;
  }
}

/** A metric, module or unit name that does not match `[a-zA-Z][a-zA-Z0-9_]*` (or is too long). */
export class InvalidMetricNameError extends MetricsError {
  constructor(message: string) {
    super("invalid-metric-name", message);
  }
}

/** A label key that is malformed, repeated or reserved. */
export class InvalidLabelError extends MetricsError {
  constructor(message: string) {
    super("invalid-metric-label", message);
  }
}

/** Histogram buckets that are missing, empty, not finite or not strictly ascending. */
export class InvalidBucketsError extends MetricsError {
  constructor(message: string) {
    super("invalid-metric-buckets", message);
  }
}

/** A `metric()` or `measure()` type that does not exist. */
export class UnknownMetricTypeError extends MetricsError {
  constructor(message: string) {
    super("unknown-metric-type", message);
  }
}

/** A name registered again with another type, other label keys or other buckets. */
export class MetricConflictError extends MetricsError {
  constructor(message: string) {
    super("metric-conflict", message);
  }
}

/** `withLabels()` called with a different number of values than the family has label keys. */
export class LabelCountError extends MetricsError {
  constructor(message: string) {
    super("label-count-mismatch", message);
  }
}

/** An `openmetrics_allow_ips` or `openmetrics_allow_cidr` entry that is not an address or CIDR. */
export class InvalidAllowListError extends MetricsError {
  constructor(message: string) {
    super("invalid-allow-list", message);
  }
}
