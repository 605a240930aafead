/** One logging method: pino's `(obj, msg)` and `(msg)` call shapes. */
export interface LogFn {
  (obj: object, msg?: string): void;
  (msg: string): void;
}

/** The minimal logger @canto/cron writes to. A pino logger (or a pino child) satisfies it. */
export interface Logger {
  debug: LogFn;
  info: LogFn;
  warn: LogFn;
  error: LogFn;
}

const noop: LogFn = () => {};

/** A logger that drops everything; the default when none is injected. */
export const silentLogger: Logger = { debug: noop, info: noop, warn: noop, error: noop };
