import type { EventName, Handler } from "./types.js";

export const EVENT_HANDLER_FAILED = "event-handler-failed";

function describe(cause: unknown): string {
  return cause instanceof Error ? cause.message : String(cause);
}

/**
 * What `fire` throws (or rejects with) when a handler or wrapper fails. The original error stays
 * reachable as `cause`, so callers can still test for their own error types.
 */
export class EventHandlerError extends Error {
  readonly code = EVENT_HANDLER_FAILED;
  readonly event: EventName;
  /** The handler that threw; `undefined` when a wrapper threw. */
  readonly handler: Handler | undefined;

  constructor(event: EventName, cause: unknown, handler?: Handler<never>) {
    super(`event ${String(event)}: ${describe(cause)}`, { cause });
    this.name = "EventHandlerError";
    this.event = event;
    this.handler = handler as Handler | undefined;
  }
}

/** Wraps `error` for `event` unless it already names that event, so one failure is wrapped once. */
export function toEventError(event: EventName, error: unknown, handler?: Handler<never>): EventHandlerError {
  if (error instanceof EventHandlerError && error.event === event) return error;
  return new EventHandlerError(event, error, handler);
}
