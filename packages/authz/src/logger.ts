/**
 * Where the package writes its messages. pino, console and most loggers fit: each method is
 * called with one preformatted string.
 */
export interface Logger {
  debug(message: string): void;
  warn(message: string): void;
  error(message: string): void;
}

const ignore = (): void => {};

/** A logger that drops everything (the default). */
export const silentLogger: Logger = Object.freeze({ debug: ignore, warn: ignore, error: ignore });
