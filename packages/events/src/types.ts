/** An event name. Prosody also accepts tables; in Canto a `symbol` gives the same identity-keyed name. */
export type EventName = string | symbol;

/** A handler. Returning anything but `undefined` (or a promise of it) halts dispatch. */
export type Handler<Data = unknown> = (data: Data) => unknown;

/** Undoes a registration. Calling it more than once does nothing. */
export type Disposer = () => void;

/** What a wrapper calls to go on: the next wrapper inward, or the handlers. */
export type Next = (name: EventName, data: unknown) => unknown;

/** Wraps a dispatch. It may change the name or data it passes on, or not call `next` at all. */
export type Wrapper<Data = unknown> = (next: Next, name: EventName, data: Data) => unknown;

/**
 * Called in place of each handler while set; its return value halts dispatch like a handler's.
 * `data` is what that handler expects, so `handler(data)` is the pass-through call.
 */
export type DebugHook = (handler: Handler, name: EventName, data: unknown) => unknown;

/** The names declared in an event map. */
export type KnownEvent<Events> = Extract<keyof Events, EventName>;

/** A declared name, or any other string or symbol (whose data is then `unknown`). */
export type EventNameOf<Events> = KnownEvent<Events> | (string & {}) | symbol;

/** The data an event carries: declared in the map, else `unknown`. */
export type DataOf<Events, K> = K extends KnownEvent<Events> ? Events[K] : unknown;

/** `fire`'s data argument: optional when the event's data may be `undefined`. */
export type DataArg<Data> = undefined extends Data ? [data?: Data] : [data: Data];

/**
 * Handlers by event name, for `hooks` and `unhooks`: declared names get their data type, other
 * names `unknown`. `Given` is the object passed in, inferred through the mapped type.
 */
export type HandlerMap<Events, Given> = { [K in keyof Given]: Handler<DataOf<Events, K>> };

/** What an observer sees of each fired event, once its result is known. */
export interface FiredEvent {
  name: EventName;
  data: unknown;
  /** The halting value, or `undefined` when nothing halted or the dispatch failed. */
  result: unknown;
  /** Set when the dispatch threw or rejected. */
  error?: unknown;
  /** Milliseconds from `fire` to the result, including any awaited handlers. */
  duration: number;
}

export type Observer = (event: FiredEvent) => void;
