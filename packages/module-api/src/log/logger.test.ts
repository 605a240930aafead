import * as formatModule from "@canto/printf";
import type { DestinationStream } from "pino";
import { beforeEach, describe, expect, it, vi } from "vitest";
import { childLogger, createLogger, isLogLevel, LOG_LEVELS, log, logMessage } from "./logger.js";

// Wrap the real formatter in a spy, so the tests can see whether a message was formatted at all.
vi.mock("@canto/printf", async (importOriginal) => {
  const actual = await importOriginal<typeof import("@canto/printf")>();
  return { ...actual, formatArgs: vi.fn(actual.formatArgs) };
});

const formatSpy = vi.mocked(formatModule.formatArgs);

interface Line {
  level: number;
  msg: string;
  host?: string;
  module?: string;
  [key: string]: unknown;
}

/** A pino destination that keeps each JSON line it is given. */
function capture(): { stream: DestinationStream; lines: Line[] } {
  const lines: Line[] = [];
  return {
    lines,
    stream: {
      write(chunk: string): void {
        for (const text of chunk.split("\n")) if (text !== "") lines.push(JSON.parse(text) as Line);
      },
    },
  };
}

/** An argument that counts how often it is turned into text. */
function counted(): { arg: object; calls: () => number } {
  let n = 0;
  return {
    arg: {
      toString(): string {
        n++;
        return "expensive";
      },
    },
    calls: () => n,
  };
}

beforeEach(() => {
  formatSpy.mockClear();
});

describe("createLogger", () => {
  it("defaults to Prosody's default level, info", () => {
    const { stream } = capture();
    expect(createLogger({ destination: stream }).level).toBe("info");
  });

  it("takes a level", () => {
    const { stream } = capture();
    expect(createLogger({ destination: stream, level: "debug" }).level).toBe("debug");
  });

  it("uses a given pino logger as it is", () => {
    const { stream } = capture();
    const existing = createLogger({ destination: stream, level: "warn" });
    expect(createLogger({ pino: existing, level: "debug" })).toBe(existing);
    expect(existing.level).toBe("warn");
  });
});

describe("log", () => {
  it.each([
    ["debug", 20],
    ["info", 30],
    ["warn", 40],
    ["error", 50],
  ] as const)("writes %s at pino's level %i", (level, value) => {
    const { stream, lines } = capture();
    const root = createLogger({ destination: stream, level: "debug" });
    expect(log(root, level, "hello %s, %d", "world", 42)).toBe(true);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({ level: value, msg: "hello world, 42" });
  });

  it.each([["fatal"], ["trace"], ["critical"], ["DEBUG"], ["silent"], [""], [undefined], [42], [null]])(
    "drops the unknown level %j silently, without formatting",
    (level) => {
      const { stream, lines } = capture();
      const root = createLogger({ destination: stream, level: "trace" });
      const { arg, calls } = counted();
      expect(log(root, level, "x %s", arg)).toBe(false);
      expect(lines).toHaveLength(0);
      expect(calls()).toBe(0);
      expect(formatSpy).not.toHaveBeenCalled();
    },
  );

  it("does not format a message whose level is disabled", () => {
    const { stream, lines } = capture();
    const root = createLogger({ destination: stream, level: "info" });
    const { arg, calls } = counted();
    expect(log(root, "debug", "costly %s", arg)).toBe(false);
    expect(lines).toHaveLength(0);
    expect(calls()).toBe(0);
    expect(formatSpy).not.toHaveBeenCalled();

    root.level = "debug";
    expect(log(root, "debug", "costly %s", arg)).toBe(true);
    expect(calls()).toBe(1);
    expect(formatSpy).toHaveBeenCalledTimes(1);
    expect(lines[0]?.msg).toBe("costly expensive");
  });

  it("writes nothing at all when the logger is silent", () => {
    const { stream, lines } = capture();
    const root = createLogger({ destination: stream, level: "silent" });
    for (const level of LOG_LEVELS) expect(log(root, level, "x")).toBe(false);
    expect(lines).toHaveLength(0);
  });

  it("uses Prosody's safe formatting: nil, extras, control characters, newlines", () => {
    const { stream, lines } = capture();
    const root = createLogger({ destination: stream });
    log(root, "info", "%s logged in from %s", "romeo\x1b[2J", undefined, "extra\nline");
    expect(lines[0]?.msg).toBe("romeo\u241b[2J logged in from (nil) [extra\n\tline]");
  });

  it("leaves no work for pino's own interpolation", () => {
    const { stream, lines } = capture();
    const root = createLogger({ destination: stream });
    log(root, "info", "%s", "100%d %s %j");
    log(root, "info", "50%% done");
    expect(lines.map((l) => l.msg)).toEqual(["100%d %s %j", "50% done"]);
  });

  it("formats errors and non-string formats", () => {
    const { stream, lines } = capture();
    const root = createLogger({ destination: stream });
    log(root, "error", "failed: %s", new Error("disk full"));
    log(root, "error", new TypeError("thrown"));
    expect(lines.map((l) => l.msg)).toEqual(["failed: Error: disk full", "TypeError: thrown"]);
  });
});

describe("childLogger", () => {
  it("binds host and module on every line", () => {
    const { stream, lines } = capture();
    const root = createLogger({ destination: stream, level: "debug" });
    const child = childLogger(root, { host: "example.com", module: "disco" });
    log(child, "debug", "ready");
    log(child, "warn", "slow %s", "query");
    expect(lines).toEqual([
      expect.objectContaining({ level: 20, host: "example.com", module: "disco", msg: "ready" }),
      expect.objectContaining({ level: 40, host: "example.com", module: "disco", msg: "slow query" }),
    ]);
  });

  it("keeps loggers of different modules and hosts apart", () => {
    const { stream, lines } = capture();
    const root = createLogger({ destination: stream });
    log(childLogger(root, { host: "a.example", module: "ping" }), "info", "one");
    log(childLogger(root, { host: "*", module: "ping" }), "info", "two");
    expect(lines.map((l) => [l.host, l.module, l.msg])).toEqual([
      ["a.example", "ping", "one"],
      ["*", "ping", "two"],
    ]);
  });

  it("inherits the root's level when created", () => {
    const { stream, lines } = capture();
    const root = createLogger({ destination: stream, level: "warn" });
    const child = childLogger(root, { host: "example.com", module: "x" });
    expect(log(child, "info", "hidden")).toBe(false);
    expect(log(child, "warn", "shown")).toBe(true);
    expect(lines.map((l) => l.msg)).toEqual(["shown"]);
  });
});

describe("logMessage", () => {
  it("writes an already formatted message with the same level rules", () => {
    const { stream, lines } = capture();
    const root = createLogger({ destination: stream });
    expect(logMessage(root, "warn", "status: %s stays literal")).toBe(true);
    expect(logMessage(root, "debug", "disabled")).toBe(false);
    expect(logMessage(root, "verbose", "unknown")).toBe(false);
    expect(lines.map((l) => l.msg)).toEqual(["status: %s stays literal"]);
    expect(formatSpy).not.toHaveBeenCalled();
  });
});

describe("isLogLevel", () => {
  it("accepts exactly Prosody's four levels", () => {
    expect(LOG_LEVELS.filter(isLogLevel)).toEqual(["debug", "info", "warn", "error"]);
    expect(["fatal", "trace", "Info", "", 1, null].some(isLogLevel)).toBe(false);
  });
});
