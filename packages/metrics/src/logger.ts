import type { Logger } from "@canto/events";

/**
 * The levels of @canto/events' one logger shape this package writes, always as `(obj, msg)`. Any
 * pino logger (or child) fits; so does `console`.
 */
export type MetricsLogger = Pick<Logger, "warn" | "error" | "debug">;

/** Writes warnings and errors to the console and drops debug messages. */
export const consoleLogger: MetricsLogger = {
  warn(obj: object | string, msg?: string) {
    if (typeof obj === "string") console.warn(`[@canto/metrics] ${obj}`);
    else console.warn(`[@canto/metrics] ${msg}`, obj);
  },
  error(obj: object | string, msg?: string) {
    if (typeof obj === "string") console.error(`[@canto/metrics] ${obj}`);
    else console.error(`[@canto/metrics] ${msg}`, obj);
  },
  debug() {},
};
