import { expectTypeOf, it } from "vitest";
import type { Logger } from "./logger.js";

it("accepts a pino-shaped logger", () => {
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
