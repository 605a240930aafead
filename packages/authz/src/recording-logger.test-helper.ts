// Shared by the tests; named *.test.* so it stays out of the published package.
import type { Logger } from "./logger.js";

export interface LogEntry {
  level: "debug" | "warn" | "error";
  message: string;
}

export function recordingLogger(): Logger & { entries: LogEntry[]; at(level: LogEntry["level"]): string[] } {
  const entries: LogEntry[] = [];
  return {
    entries,
    debug: (message) => entries.push({ level: "debug", message }),
    warn: (message) => entries.push({ level: "warn", message }),
    error: (message) => entries.push({ level: "error", message }),
    at: (level) => entries.filter((e) => e.level === level).map((e) => e.message),
  };
}
