/**
 * The logging layer under `module.log(level, fmt, ...args)`: pino underneath, Prosody's levels and
 * safe formatting on top.
 */

import { formatArgs } from "@canto/printf";
import { type DestinationStream, type Level, type Logger, pino } from "pino";

/** Prosody's log levels; any other level given to {@link log} is dropped. */
export type LogLevel = "debug" | "info" | "warn" | "error";

export const LOG_LEVELS: readonly LogLevel[] = Object.freeze(["debug", "info", "warn", "error"]);

export function isLogLevel(value: unknown): value is LogLevel {
  return value === "debug" || value === "info" || value === "warn" || value === "error";
}

export interface CreateLoggerOptions {
  /** An existing pino logger to use as the root, as it is (its level and destination are kept). */
  pino?: Logger;
  /**
   * The lowest level written when a logger is created here. Prosody's default is `info`. pino's
   * own levels (`trace`, `fatal`, `silent`) are accepted so the root can be silenced or opened up.
   */
  level?: Level | "silent";
  /** Where a logger created here writes its JSON lines; stdout when absent. */
  destination?: DestinationStream;
}

/** The root logger every host and module logger derives from. */
export function createLogger(options: CreateLoggerOptions = {}): Logger {
  if (options.pino !== undefined) return options.pino;
  const config = { level: options.level ?? "info" };
  return options.destination === undefined ? pino(config) : pino(config, options.destination);
}

export interface LoggerBindings {
  /** The host the module is loaded on; `*` for global modules. */
  host: string;
  /** The module's name, without the `mod_` prefix. */
  module: string;
}

/**
 * A logger bound to one module on one host: `host` and `module` appear as fields on every line it
 * writes, which is what Prosody's `<host>:<module>` source name carries, in queryable form.
 */
export function childLogger(root: Logger, bindings: LoggerBindings): Logger {
  return root.child({ host: bindings.host, module: bindings.module });
}

/**
 * Prosody's `module:log(level, fmt, ...)`. Returns whether a line was written: `false` for a level
 * Prosody does not know (dropped silently, as Prosody does) and for a level the logger has
 * disabled. The message is formatted only after both checks, so a disabled debug line costs no
 * formatting at all, however expensive its arguments are to print.
 */
export function log(logger: Logger, level: unknown, fmt: unknown, ...args: unknown[]): boolean {
  if (!isLogLevel(level) || !logger.isLevelEnabled(level)) return false;
  // One string argument: pino does no interpolation of its own, so a `%s` produced by formatting
  // (or present in an argument) reaches the output as text.
  logger[level](formatArgs(fmt, args));
  return true;
}

/**
 * Writes a message that is already formatted, for callers that need the text for something else
 * too: `module.logStatus` sets the status to `format(fmt, ...args)` and logs the same text, so it
 * formats once and calls this. Same level rules and return value as {@link log}.
 */
export function logMessage(logger: Logger, level: unknown, message: string): boolean {
  if (!isLogLevel(level) || !logger.isLevelEnabled(level)) return false;
  logger[level](message);
  return true;
}
