import { expect, expectTypeOf, it } from "vitest";
import { type Logger, silentLogger } from "./logger.js";

it("accepts a pino-shaped logger and console", () => {
  // pino's LogFn, copied in shape so the package does not depend on pino
  interface PinoLogFn {
    // biome-ignore lint/suspicious/noExplicitAny: mirrors pino's signature
    <T extends object>(obj: T, msg?: string, ...args: any[]): void;
    // biome-ignore lint/suspicious/noExplicitAny: mirrors pino's signature
    (obj: unknown, msg?: string, ...args: any[]): void;
    // biome-ignore lint/suspicious/noExplicitAny: mirrors pino's signature
    (msg: string, ...args: any[]): void;
  }
  interface PinoLike {
    level: string;
    trace: PinoLogFn;
    debug: PinoLogFn;
    info: PinoLogFn;
    warn: PinoLogFn;
    error: PinoLogFn;
    fatal: PinoLogFn;
  }
  expectTypeOf<PinoLike>().toExtend<Logger>();
  expectTypeOf<Console>().toExtend<Logger>();
});

it("lets a package ask for fewer levels, which any full logger still fills", () => {
  type WarnAndError = Pick<Logger, "warn" | "error">;
  expectTypeOf<Logger>().toExtend<WarnAndError>();
  expectTypeOf<Console>().toExtend<WarnAndError>();
  // A method that only takes a string does not fit: every package may pass an object first.
  expectTypeOf<{ warn(message: string): void; error(message: string): void }>().not.toExtend<WarnAndError>();
});

it("drops everything when silent, and cannot be changed", () => {
  expect(silentLogger.warn({ a: 1 }, "x")).toBeUndefined();
  expect(Object.isFrozen(silentLogger)).toBe(true);
});
