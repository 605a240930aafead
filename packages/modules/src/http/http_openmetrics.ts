import type { IncomingMessage, ServerResponse } from "node:http";
import { type Module, metrics } from "canto";

/** The part of the facade's `telemetry` (`@canto/metrics/sdk`'s MetricsSetup) this module uses. */
interface Telemetry {
  handler(options: {
    openmetrics_allow_ips?: readonly string[];
    openmetrics_allow_cidr?: string | readonly string[];
    path?: string | null;
  }): (request: IncomingMessage, response: ServerResponse) => Promise<void>;
}

function telemetryOf(server: unknown): Telemetry | undefined {
  const telemetry = (server as { telemetry?: unknown }).telemetry;
  return typeof telemetry === "object" &&
    telemetry !== null &&
    typeof (telemetry as Telemetry).handler === "function"
    ? (telemetry as Telemetry)
    : undefined;
}

function stringList(module: Module, name: string): string[] | undefined {
  const value = module.getOption(name);
  if (value === undefined) return undefined;
  const list = typeof value === "string" ? [value] : module.getOptionArray(name);
  if (list === undefined || list.some((entry) => typeof entry !== "string")) {
    throw new TypeError(`option ${name}: expected an address or a list of addresses`);
  }
  return list as string[];
}

/**
 * Serves the server's metrics at `/metrics` on the HTTP server (Prosody's mod_http_openmetrics):
 * OpenMetrics text to a scraper that asks for it, the Prometheus text format otherwise, to the
 * addresses of `openmetrics_allow_ips` / `openmetrics_allow_cidr` only (403 for the others).
 * Fires the global `stats-update` event before each collection, so gauges that are read on
 * demand (sessions, say) are current.
 */
export default function httpOpenmetrics(module: Module): void {
  module.setGlobal();
  // Shared so that listing it in the global modules_enabled loads it once for every host.
  module.addHost = () => undefined;

  const allowIps = stringList(module, "openmetrics_allow_ips") ?? [...metrics.DEFAULT_ALLOW_IPS];
  const allowCidr = stringList(module, "openmetrics_allow_cidr") ?? [];
  // Throws InvalidAllowListError on a bad entry, so a typo fails the load instead of opening /metrics.
  const allowed = metrics.createAllowList(allowIps, allowCidr);
  const telemetry = telemetryOf(module.server);
  if (telemetry === undefined) {
    module.log("warn", "this server has no metrics SDK (telemetry): /metrics will answer 404");
  }
  const serve = telemetry?.handler({
    openmetrics_allow_ips: allowIps,
    openmetrics_allow_cidr: allowCidr,
    path: null,
  });

  module.provides("http", {
    default_path: "/metrics",
    route: {
      GET: async (request: IncomingMessage, response: ServerResponse) => {
        if (!allowed(request.socket.remoteAddress)) {
          module.log("debug", "refusing metrics to %s", request.socket.remoteAddress);
          return 403;
        }
        if (serve === undefined) {
          response.statusCode = 404;
          return "No statistics provider configured\n";
        }
        try {
          await module.fireEvent("stats-update", { source: module.name });
        } catch (error) {
          // A figure that failed to refresh keeps its last value; the rest are still worth serving.
          module.log("error", "a stats-update handler failed: %s", error);
        }
        await serve(request, response);
        return undefined;
      },
    },
  });
}
