/** One call a {@link recordingLogger} received: `(msg)` is recorded with an empty `obj`. */
export interface LogEntry {
  level: "debug" | "info" | "warn" | "error";
  obj: Record<string, unknown>;
  msg: string | undefined;
}

type LogMethod = (first: object | string, msg?: string) => void;

export interface RecordingLogger {
  debug: LogMethod;
  info: LogMethod;
  warn: LogMethod;
  error: LogMethod;
  /** Every call, in order. */
  readonly entries: LogEntry[];
  /** The calls at one level. */
  records(level: LogEntry["level"]): LogEntry[];
  /** The messages written at one level. */
  at(level: LogEntry["level"]): (string | undefined)[];
}

/**
 * A logger of @canto/events' shape (pino's `(msg)` and `(obj, msg?)` on four levels) that keeps
 * what it is given, for assertions.
 */
export function recordingLogger(): RecordingLogger {
  const entries: LogEntry[] = [];
  const method =
    (level: LogEntry["level"]): LogMethod =>
    (first, msg) => {
      if (typeof first === "string") entries.push({ level, obj: {}, msg: first });
      else entries.push({ level, obj: first as Record<string, unknown>, msg });
    };
  return {
    entries,
    debug: method("debug"),
    info: method("info"),
    warn: method("warn"),
    error: method("error"),
    records: (level) => entries.filter((e) => e.level === level),
    at: (level) => entries.filter((e) => e.level === level).map((e) => e.msg),
  };
}
