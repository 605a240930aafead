import type { MeasureConf } from "./measure.js";
import { buildMeasure } from "./measure.js";
import type { MetricByType, MetricFamily } from "./metric.js";
import type { MetricsApi, Registry } from "./metrics.js";
import { checkMetricName, checkModuleName } from "./names.js";

/** A module, and the host it is loaded on (`undefined` or `"*"` for a global module). */
export interface ScopeOptions {
  module: string;
  host?: string | undefined;
}

export interface MetricsScope extends MetricsApi {
  readonly module: string;
  /** The host, or `undefined` for a global module. */
  readonly host: string | undefined;
}

/**
 * `metric()` and `measure()` for one module. Names become `<prefix>_mod_<module>/<name>`. On a host,
 * a `host` label comes first and is filled in, so the module only passes its own label values.
 */
export function createScope(registry: Registry, prefix: string, options: ScopeOptions): MetricsScope {
  const { module } = options;
  checkModuleName(module);
  const host = options.host === undefined || options.host === "*" ? undefined : options.host;
  const implicit = host === undefined ? [] : ["host"];
  const fixed = host === undefined ? [] : [host];
  const owner = host === undefined ? `module "${module}" (global)` : `module "${module}" on host "${host}"`;
  const base = (name: string): string => {
    checkMetricName(name);
    return `${prefix === "" ? "" : `${prefix}_`}mod_${module}/${name}`;
  };
  return {
    module,
    host,
    metric(type, name, unit, description, labels, extra) {
      const core = registry.register({
        type,
        base: base(name),
        unit,
        description,
        labels,
        extra,
        implicit,
        owner,
      });
      return core.view(fixed) as MetricFamily<MetricByType[typeof type]>;
    },
    measure(name, type, conf) {
      const familyBase = base(name);
      return buildMeasure(
        (metricType, unit, description, extra) => ({
          core: registry.register({
            type: metricType,
            base: familyBase,
            unit,
            description,
            labels: [],
            extra,
            implicit,
            owner,
          }),
          labels: fixed,
        }),
        name,
        type,
        conf as MeasureConf | number | string | undefined,
        registry.now,
      );
    },
  };
}
