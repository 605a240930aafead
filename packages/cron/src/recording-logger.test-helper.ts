import type { Logger } from "./logger.js";

export interface LogEntry {
  level: "debug" | "info" | "warn" | "error";
  obj: Record<string, unknown>;
  msg: string | undefined;
}

/** A logger that records what it is given, for assertions. Not exported from the package. */
export function recordingLogger(): Logger & { entries: LogEntry[] } {
  const entries: LogEntry[] = [];
  const at =
    (level: LogEntry["level"]) =>
    (a: object | string, b?: string): void => {
      if (typeof a === "string") entries.push({ level, obj: {}, msg: a });
      else entries.push({ level, obj: a as Record<string, unknown>, msg: b });
    };
  return { entries, debug: at("debug"), info: at("info"), warn: at("warn"), error: at("error") };
}
