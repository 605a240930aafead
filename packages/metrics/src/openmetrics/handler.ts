import type { IncomingMessage, ServerResponse } from "node:http";
import { consoleLogger, type MetricsLogger } from "../logger.js";
import { createAllowList } from "./access.js";
import type { CollectedMetrics } from "./data.js";
import { PROMETHEUS_CONTENT_TYPE, renderPrometheusText } from "./prometheus.js";
import { OPENMETRICS_CONTENT_TYPE, renderOpenMetrics } from "./render.js";

export type ExpositionFormat = "openmetrics" | "prometheus";

/**
 * Picks the format as the official Prometheus client libraries do: OpenMetrics when the `Accept`
 * header asks for `application/openmetrics-text` (with a non-zero q), the Prometheus text format otherwise.
 */
export function negotiateFormat(accept: string | undefined): ExpositionFormat {
  if (!accept) return "prometheus";
  for (const range of accept.split(",")) {
    const [type = "", ...params] = range.split(";");
    if (type.trim().toLowerCase() !== "application/openmetrics-text") continue;
    const q = params.map((p) => p.trim().toLowerCase()).find((p) => p.startsWith("q="));
    if (q === undefined || Number(q.slice(2)) > 0) return "openmetrics";
  }
  return "prometheus";
}

export interface MetricsHandlerOptions {
  /** Returns the data to expose, e.g. `async () => (await reader.collect()).resourceMetrics`. */
  collect: () => CollectedMetrics | Promise<CollectedMetrics>;
  /** Client addresses allowed to read metrics. Default `["::1", "127.0.0.1"]`. */
  openmetrics_allow_ips?: readonly string[];
  /** Networks allowed to read metrics, such as `"10.0.0.0/8"`. Default none. */
  openmetrics_allow_cidr?: string | readonly string[];
  /** The path served; others get 404. Default `"/metrics"`; `null` serves every path. */
  path?: string | null;
  logger?: MetricsLogger;
}

export type MetricsHandler = (req: IncomingMessage, res: ServerResponse) => Promise<void>;

function send(
  res: ServerResponse,
  status: number,
  body: string | undefined,
  headers: Record<string, string>,
): void {
  for (const [name, value] of Object.entries(headers)) res.setHeader(name, value);
  res.statusCode = status;
  res.end(body);
}

function reply(
  res: ServerResponse,
  status: number,
  body: string,
  headers: Record<string, string> = {},
): void {
  send(res, status, body, { "Content-Type": "text/plain; charset=utf-8", ...headers });
}

/**
 * A `node:http` request handler serving metrics, in OpenMetrics or Prometheus text by content
 * negotiation, to allowed client addresses only (403 for the others).
 */
export function createMetricsHandler(options: MetricsHandlerOptions): MetricsHandler {
  const allowed = createAllowList(options.openmetrics_allow_ips, options.openmetrics_allow_cidr);
  const path = options.path === undefined ? "/metrics" : options.path;
  const logger = options.logger ?? consoleLogger;
  return async (req, res) => {
    if (!allowed(req.socket.remoteAddress)) {
      reply(res, 403, "Forbidden\n");
      return;
    }
    if (path !== null && (req.url ?? "/").split("?")[0] !== path) {
      reply(res, 404, "Not Found\n");
      return;
    }
    if (req.method !== "GET" && req.method !== "HEAD") {
      reply(res, 405, "Method Not Allowed\n", { Allow: "GET, HEAD" });
      return;
    }
    let body: string;
    let contentType: string;
    try {
      const collected = await options.collect();
      if (negotiateFormat(req.headers.accept) === "openmetrics") {
        body = renderOpenMetrics(collected);
        contentType = OPENMETRICS_CONTENT_TYPE;
      } else {
        body = renderPrometheusText(collected);
        contentType = PROMETHEUS_CONTENT_TYPE;
      }
    } catch (err) {
      logger.error({ err }, "collecting metrics failed");
      reply(res, 500, "Internal Server Error\n");
      return;
    }
    send(res, 200, req.method === "HEAD" ? undefined : body, {
      "Content-Type": contentType,
      "Content-Length": String(Buffer.byteLength(body)),
      Vary: "Accept",
    });
  };
}
