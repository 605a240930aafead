import pino, { type DestinationStream, type Logger, type StreamEntry } from "pino";
import { type LogRules, PROSODY_LEVELS, type ProsodyLevel } from "./log-sinks.js";

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

/** The file sinks of the loggers made here, for `reopenLogFiles`. */
const files = new Set<ReturnType<typeof pino.destination>>();

/** Re-opens every log file (after logrotate moved them away), as Prosody does on SIGHUP. */
export function reopenLogFiles(): void {
  for (const file of files) file.reopen();
}

/** Prosody's level of a pino level number (trace counts as debug, fatal as error). */
function prosodyLevel(level: number): ProsodyLevel {
  return level < 30 ? "debug" : level < 40 ? "info" : level < 50 ? "warn" : "error";
}

/** Passes on only the lines whose level is in `levels`. */
function onlyLevels(levels: ReadonlySet<ProsodyLevel>, out: DestinationStream): DestinationStream {
  return {
    write(chunk: string) {
      const level = /"level":(\d+)/.exec(chunk)?.[1];
      if (level === undefined || levels.has(prosodyLevel(Number(level)))) out.write(chunk);
    },
  };
}

/**
 * The server's logger: pino JSON lines on stdout (what log collectors and the end-to-end tests
 * read), or short readable lines when stdout is a terminal or `format` is `"pretty"`. With
 * `rules` (Prosody's `log` option), each sink gets its levels instead: the console as above,
 * files as JSON lines appended to them.
 */
export function createLogger(level: string, format: "json" | "pretty" | undefined, rules?: LogRules): Logger {
  const pretty = format === "pretty" || (format === undefined && process.stdout.isTTY === true);
  const console = (): DestinationStream =>
    pretty ? prettyDestination(process.stdout) : pino.destination({ dest: 1, sync: true });
  if (rules === undefined)
    return pretty ? pino({ level }, prettyDestination(process.stdout)) : pino({ level });
  const used = PROSODY_LEVELS.filter((l) => rules.sinks.some((sink) => sink.levels.has(l)));
  const file = (filename: string | undefined) => {
    const destination = pino.destination({ dest: filename, append: true, mkdir: true, sync: true });
    files.add(destination);
    return destination;
  };
  const streams: StreamEntry[] = rules.sinks.map((sink) => ({
    level: "trace",
    stream: onlyLevels(sink.levels, sink.to === "console" ? console() : file(sink.filename)),
  }));
  // With no sink at all (only syslog, say) the logger stays quiet rather than failing.
  return pino({ level: used[0] ?? "silent" }, pino.multistream(streams));
}
