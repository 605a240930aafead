import { describe, expect, it } from "vitest";
import {
  InvalidAllowListError,
  InvalidBucketsError,
  InvalidLabelError,
  InvalidMetricNameError,
  LabelCountError,
  MetricConflictError,
  MetricsError,
  UnknownMetricTypeError,
} from "./index.js";

describe("errors", () => {
  it("are MetricsError subclasses with stable codes and their own names", () => {
    const cases: [MetricsError, string, string][] = [
      [new InvalidMetricNameError("m"), "invalid-metric-name", "InvalidMetricNameError"],
      [new InvalidLabelError("m"), "invalid-metric-label", "InvalidLabelError"],
      [new InvalidBucketsError("m"), "invalid-metric-buckets", "InvalidBucketsError"],
      [new UnknownMetricTypeError("m"), "unknown-metric-type", "UnknownMetricTypeError"],
      [new MetricConflictError("m"), "metric-conflict", "MetricConflictError"],
      [new LabelCountError("m"), "label-count-mismatch", "LabelCountError"],
      [new InvalidAllowListError("m"), "invalid-allow-list", "InvalidAllowListError"],
    ];
    for (const [error, code, name] of cases) {
      expect(error).toBeInstanceOf(MetricsError);
      expect(error).toBeInstanceOf(Error);
      expect(error.code).toBe(code);
      expect(error.name).toBe(name);
      expect(error.message).toBe("m");
    }
  });
});
