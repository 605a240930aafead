/**
 * One logging method in pino's two call shapes: `(msg)` and `(obj, msg?)`. A pino logger, a pino
 * child and `console` all fit, so a package can take "a logger" without depending on one.
 */
export interface LogFn {
  (obj: object, msg?: string): void;
  (msg: string): void;
}

/**
 * The one logger shape of the Canto packages. A package that writes fewer levels asks for a
 * `Pick<Logger, ...>` of it, so any full logger still fits.
 */
export interface Logger {
  debug: LogFn;
  info: LogFn;
  warn: LogFn;
  error: LogFn;
}

const noop: LogFn = () => {};

/** A logger that drops everything: the default where none is injected. */
export const silentLogger: Logger = Object.freeze({ debug: noop, info: noop, warn: noop, error: noop });
