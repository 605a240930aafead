import type { ModuleSetup } from "canto";
import http from "./http.js";
import httpOpenmetrics from "./http_openmetrics.js";
import serverMetrics from "./server_metrics.js";

export type { HttpApi } from "./http.js";
export {
  type HttpHandler,
  type HttpProvider,
  HttpRouteError,
  type HttpRouteParams,
  type HttpUpgrade,
} from "./routes.js";

/** The HTTP modules, by name. */
export const httpModules: Record<string, ModuleSetup> = {
  http,
  http_openmetrics: httpOpenmetrics,
  server_metrics: serverMetrics,
};
