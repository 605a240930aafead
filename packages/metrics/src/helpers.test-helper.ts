import type { MetricsLogger } from "./logger.js";
import { type SetupMetricsOptions, setupMetrics } from "./sdk.js";

export interface LogEntry {
  level: "warn" | "error" | "debug";
  obj: object;
  msg: string;
}

/** A logger that keeps what it is told. */
export function memoryLogger(): MetricsLogger & {
  entries: LogEntry[];
  at(level: LogEntry["level"]): LogEntry[];
} {
  const entries: LogEntry[] = [];
  return {
    entries,
    at: (level) => entries.filter((e) => e.level === level),
    warn: (obj, msg) => entries.push({ level: "warn", obj, msg }),
    error: (obj, msg) => entries.push({ level: "error", obj, msg }),
    debug: (obj, msg) => entries.push({ level: "debug", obj, msg }),
  };
}

/** Replaces `_created` values, which hold the wall clock, with a fixed one. */
export function fixCreated(text: string): string {
  return text.replace(/^(\S+_created(?:\{[^}]*\})?) \S+$/gm, "$1 1700000000");
}

/** An SDK-backed metrics instance with a memory logger, for tests. */
export function sdkMetrics(options: SetupMetricsOptions = {}) {
  const logger = memoryLogger();
  const setup = setupMetrics({ logger, ...options });
  return { ...setup, logger, text: async () => fixCreated(await setup.openMetrics()) };
}
