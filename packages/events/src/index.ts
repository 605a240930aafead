export { EVENT_HANDLER_FAILED, EventHandlerError } from "./errors.js";
export { createEventBus, EventBus, type EventBusOptions } from "./event-bus.js";
export { type LogFn, type Logger, silentLogger } from "./logger.js";
export type { ObserverErrorHandler } from "./observer.js";
export { isThenable } from "./thenable.js";
export type {
  DataArg,
  DataOf,
  DebugHook,
  Disposer,
  EventName,
  EventNameOf,
  FiredEvent,
  Handler,
  HandlerMap,
  KnownEvent,
  Next,
  Observer,
  Wrapper,
} from "./types.js";
