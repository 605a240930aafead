/** Stable codes carried by every {@link CronError}. */
export type CronErrorCode =
  | "invalid-delay"
  | "invalid-callback"
  | "invalid-owner"
  | "invalid-when"
  | "invalid-period"
  | "invalid-task"
  | "invalid-namespace"
  | "invalid-option"
  | "scheduler-disposed"
  | "cron-disposed";

/** An error raised by @canto/cron for bad input or use after dispose. Match on `code`, not on the message. */
export class CronError extends Error {
  override name = "CronError";
  readonly code: CronErrorCode;

  constructor(code: CronErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
  }
}

/** Describes a value for an error message without dumping large objects. */
export function describe(value: unknown): string {
  if (typeof value === "string") return JSON.stringify(value);
  if (typeof value === "number" || typeof value === "boolean" || value === undefined || value === null) {
    return String(value);
  }
  if (typeof value === "function") return "a function";
  return `a value of type ${typeof value}`;
}
