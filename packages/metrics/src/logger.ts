/**
 * The slice of a pino logger this package uses. Any pino logger (or child) fits; so does an object
 * of three functions.
 */
export interface MetricsLogger {
  warn(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
  debug(obj: object, msg: string): void;
}

/** Writes warnings and errors to the console and drops debug messages. */
export const consoleLogger: MetricsLogger = {
  warn(obj, msg) {
    console.warn(`[@canto/metrics] ${msg}`, obj);
  },
  error(obj, msg) {
    console.error(`[@canto/metrics] ${msg}`, obj);
  },
  debug() {},
};
