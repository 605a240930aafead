import pino, { type DestinationStream, type Logger } from "pino";

const LEVELS: Record<number, string> = {
  10: "trace",
  20: "debug",
  30: "info",
  40: "warn",
  50: "error",
  60: "fatal",
};

/** One pino JSON line as `12:00:00 info  [localhost c2s] message`, for a person at a terminal. */
export function formatLine(line: string): string {
  let record: Record<string, unknown>;
  try {
    record = JSON.parse(line) as Record<string, unknown>;
  } catch {
    return line;
  }
  const time = typeof record.time === "number" ? new Date(record.time).toISOString().slice(11, 19) : "";
  const level = (LEVELS[record.level as number] ?? String(record.level)).padEnd(5);
  const scope = [record.host, record.module].filter((part) => typeof part === "string").join(" ");
  const err = record.err as { message?: string } | undefined;
  const detail = err?.message === undefined ? "" : `: ${err.message}`;
  return `${time} ${level} ${scope ? `[${scope}] ` : ""}${String(record.msg ?? "")}${detail}\n`;
}

/** A destination that writes each line formatted by `formatLine`. */
function prettyDestination(out: NodeJS.WritableStream): DestinationStream {
  return {
    write(chunk: string) {
      for (const line of chunk.split("\n")) if (line !== "") out.write(formatLine(line));
    },
  };
}

/**
 * The server's logger: pino JSON lines on stdout (what log collectors and the end-to-end tests
 * read), or short readable lines when stdout is a terminal or `format` is `"pretty"`.
 */
export function createLogger(level: string, format: "json" | "pretty" | undefined): Logger {
  const pretty = format === "pretty" || (format === undefined && process.stdout.isTTY === true);
  return pretty ? pino({ level }, prettyDestination(process.stdout)) : pino({ level });
}
