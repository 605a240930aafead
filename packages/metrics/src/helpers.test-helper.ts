import { recordingLogger } from "@canto/test-utils";
import { type SetupMetricsOptions, setupMetrics } from "./sdk.js";

/** A logger that keeps what it is told (the shared one of @canto/test-utils). */
export const memoryLogger = recordingLogger;

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
