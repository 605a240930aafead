import { type Config, ConfigValueError } from "@canto/config";

/** Canto's own first part of metric names: `canto_mod_<module>__<name>`. */
export const DEFAULT_METRICS_PREFIX = "canto";

const NAME = /^[a-zA-Z][a-zA-Z0-9_]*$/;

/**
 * The first part of every module metric's name, from the global `openmetrics_prefix` option:
 * `"canto"` by default, `"prosody"` to keep Prosody's `prosody_mod_<module>__<name>` names (and the
 * dashboards built on them), `""` for none. Decided once, when the server is made.
 */
export function metricsPrefix(config: Pick<Config, "get">): string {
  const value = config.get("*", "openmetrics_prefix");
  if (value === undefined || value === null) return DEFAULT_METRICS_PREFIX;
  if (typeof value !== "string" || (value !== "" && !NAME.test(value))) {
    throw new ConfigValueError(
      `option openmetrics_prefix: expected "" or a name matching [a-zA-Z][a-zA-Z0-9_]* (such as "prosody"), got ${JSON.stringify(value)}`,
      { option: "openmetrics_prefix", host: "*" },
    );
  }
  return value;
}
