import { toEventError } from "./errors.js";
import { HandlerSet } from "./handler-set.js";
import { ObserverChannel, type ObserverErrorHandler, reportObserverError } from "./observer.js";
import { isThenable } from "./thenable.js";
import type {
  DataArg,
  DataOf,
  DebugHook,
  Disposer,
  EventName,
  EventNameOf,
  Handler,
  HandlerMap,
  Next,
  Observer,
  Wrapper,
} from "./types.js";
import { compose, without } from "./wrappers.js";

type AnyHandler = Handler<never>;
type AnyWrapper = Wrapper<never>;

export interface EventBusOptions {
  /** Where an observer's exception goes; observers never break a dispatch. Default: `console.error`. */
  onObserverError?: ObserverErrorHandler;
}

interface EventWrappers {
  list: AnyWrapper[];
  chain: Next | undefined;
}

/** Awaits a handler's promise, then walks the rest of the snapshot, awaiting as needed. */
async function continueAsync(
  name: EventName,
  data: unknown,
  handlers: readonly AnyHandler[],
  index: number,
  pending: PromiseLike<unknown>,
  debugHook: DebugHook | undefined,
): Promise<unknown> {
  let handler = handlers[index]!;
  try {
    let result = await pending;
    while (result === undefined && ++index < handlers.length) {
      handler = handlers[index]!;
      result = debugHook === undefined ? handler(data as never) : debugHook(handler as Handler, name, data);
      if (isThenable(result)) result = await result;
    }
    return result;
  } catch (error) {
    throw toEventError(name, error, handler);
  }
}

/**
 * A priority event bus: Prosody's util.events, typed.
 *
 * Handlers run by descending priority, ties in the order added; the first one to return anything
 * but `undefined` halts dispatch and its value is returned. A handler may return a promise: dispatch
 * awaits it before going on, and `fire` then returns a promise. When every handler is synchronous,
 * `fire` is synchronous too and allocates no promise.
 */
export class EventBus<Events extends object = Record<string, unknown>> {
  readonly #handlers = new Map<EventName, HandlerSet>();
  readonly #eventWrappers = new Map<EventName, EventWrappers>();
  #globalWrappers: AnyWrapper[] = [];
  /** The global wrappers around the handlers; `undefined` when no wrapper exists at all. */
  #globalChain: Next | undefined;
  #debugHook: DebugHook | undefined;
  readonly #observers: ObserverChannel;
  readonly #dispatchNext: Next = (name, data) => this.#dispatch(name, data);

  /** An events-like facade over the wrappers, for code written against `hook`/`unhook` objects. */
  readonly wrappers = {
    hook: <K extends EventNameOf<Events>>(
      event: K | undefined,
      wrapper: Wrapper<DataOf<Events, K>>,
    ): Disposer => this.addWrapper(event, wrapper),
    unhook: <K extends EventNameOf<Events>>(
      event: K | undefined,
      wrapper: Wrapper<DataOf<Events, K>>,
    ): void => this.removeWrapper(event, wrapper),
  };

  constructor(options: EventBusOptions = {}) {
    this.#observers = new ObserverChannel(options.onObserverError ?? reportObserverError);
  }

  /** Adds `handler` to `event`; adding the same function again only changes its priority. */
  hook<K extends EventNameOf<Events>>(event: K, handler: Handler<DataOf<Events, K>>, priority = 0): Disposer {
    if (typeof handler !== "function") throw new TypeError("handler must be a function");
    if (typeof priority !== "number" || Number.isNaN(priority)) {
      throw new TypeError(`priority must be a number, got ${String(priority)}`);
    }
    let set = this.#handlers.get(event);
    if (set === undefined) {
      set = new HandlerSet();
      this.#handlers.set(event, set);
    }
    set.add(handler, priority);
    return () => this.unhook(event, handler);
  }

  /** Removes `handler` from `event`; unknown handlers are ignored. */
  unhook<K extends EventNameOf<Events>>(event: K, handler: Handler<DataOf<Events, K>>): void {
    const set = this.#handlers.get(event);
    if (set === undefined || !set.remove(handler)) return;
    // Dropping empty sets keeps one-off names (such as IQ ids) from accumulating.
    if (set.size === 0) this.#handlers.delete(event);
  }

  /** Prosody's `add_handlers`: hooks each handler of the map under its key. */
  hooks<Given extends object>(handlers: HandlerMap<Events, Given>, priority = 0): Disposer {
    const disposers: Disposer[] = [];
    for (const [event, handler] of Object.entries(handlers as Record<string, Handler>)) {
      disposers.push(this.hook(event, handler, priority));
    }
    return () => {
      for (const dispose of disposers) dispose();
    };
  }

  /** Prosody's `remove_handlers`. */
  unhooks<Given extends object>(handlers: HandlerMap<Events, Given>): void {
    for (const [event, handler] of Object.entries(handlers as Record<string, Handler>)) {
      this.unhook(event, handler);
    }
  }

  /** The handlers of `event` in the order they run, or `undefined` when there are none. */
  getHandlers<K extends EventNameOf<Events>>(event: K): Handler<DataOf<Events, K>>[] | undefined {
    const set = this.#handlers.get(event);
    if (set === undefined) return undefined;
    return [...(set.sorted ?? set.sort())] as Handler<DataOf<Events, K>>[];
  }

  /**
   * Wraps the dispatch of `event`, or of every event when `event` is `undefined` (Prosody's
   * `false`). The most recent wrapper is outermost; per-event wrappers run outside global ones.
   */
  addWrapper<K extends EventNameOf<Events>>(
    event: K | undefined,
    wrapper: Wrapper<DataOf<Events, K>>,
  ): Disposer {
    if (typeof wrapper !== "function") throw new TypeError("wrapper must be a function");
    if (event === undefined) {
      this.#globalWrappers = [...this.#globalWrappers, wrapper];
    } else {
      const current = this.#eventWrappers.get(event);
      this.#eventWrappers.set(event, { list: [...(current?.list ?? []), wrapper], chain: undefined });
    }
    this.#rebuildChains();
    return () => this.removeWrapper(event, wrapper);
  }

  /** Removes every occurrence of `wrapper` from `event` (or from the global wrappers). */
  removeWrapper<K extends EventNameOf<Events>>(
    event: K | undefined,
    wrapper: Wrapper<DataOf<Events, K>>,
  ): void {
    if (event === undefined) {
      this.#globalWrappers = without(this.#globalWrappers, wrapper);
    } else {
      const current = this.#eventWrappers.get(event);
      if (current === undefined) return;
      const list = without(current.list, wrapper);
      if (list.length === 0) this.#eventWrappers.delete(event);
      else this.#eventWrappers.set(event, { list, chain: undefined });
    }
    this.#rebuildChains();
  }

  /** While set, each handler call becomes `hook(handler, name, data)`. Returns the previous hook. */
  setDebugHook(hook: DebugHook | undefined): DebugHook | undefined {
    const previous = this.#debugHook;
    this.#debugHook = hook;
    return previous;
  }

  /**
   * Taps every fired event: the observer gets name, data, result (or error) and duration once the
   * result is known. It cannot halt or change the dispatch, and its exceptions do not reach `fire`.
   */
  observe(observer: Observer): Disposer {
    return this.#observers.add(observer);
  }

  /**
   * Fires `event`: the halting value, or `undefined`. When a handler returned a promise, the result
   * is a promise of that. Failures throw (or reject with) an `EventHandlerError`.
   */
  fire<K extends EventNameOf<Events>>(event: K, ...data: DataArg<DataOf<Events, K>>): unknown;
  fire(event: EventName, data?: unknown): unknown {
    if (this.#observers.size !== 0) return this.#fireObserved(event, data);
    if (this.#globalChain === undefined) return this.#dispatch(event, data);
    return this.#fireWrapped(event, data);
  }

  /** `fire`, always as a promise. */
  fireAsync<K extends EventNameOf<Events>>(event: K, ...data: DataArg<DataOf<Events, K>>): Promise<unknown>;
  async fireAsync(event: EventName, data?: unknown): Promise<unknown> {
    return (this.fire as (event: EventName, data: unknown) => unknown)(event, data);
  }

  #rebuildChains(): void {
    const hasEventWrappers = this.#eventWrappers.size !== 0;
    if (this.#globalWrappers.length === 0 && !hasEventWrappers) {
      this.#globalChain = undefined;
      return;
    }
    this.#globalChain = compose(this.#globalWrappers, this.#dispatchNext);
    // Per-event chains close over the global chain, so a change to either rebuilds them lazily.
    for (const entry of this.#eventWrappers.values()) entry.chain = undefined;
  }

  #fireWrapped(event: EventName, data: unknown): unknown {
    let chain = this.#globalChain!;
    const own = this.#eventWrappers.get(event);
    if (own !== undefined) {
      own.chain ??= compose(own.list, chain);
      chain = own.chain;
    }
    try {
      const result = chain(event, data);
      if (!isThenable(result)) return result;
      return Promise.resolve(result).catch((error: unknown) => {
        throw toEventError(event, error);
      });
    } catch (error) {
      throw toEventError(event, error);
    }
  }

  #fireObserved(event: EventName, data: unknown): unknown {
    const start = performance.now();
    let result: unknown;
    try {
      result = this.#globalChain === undefined ? this.#dispatch(event, data) : this.#fireWrapped(event, data);
    } catch (error) {
      this.#observers.emit({
        name: event,
        data,
        result: undefined,
        error,
        duration: performance.now() - start,
      });
      throw error;
    }
    if (!isThenable(result)) {
      this.#observers.emit({ name: event, data, result, duration: performance.now() - start });
      return result;
    }
    return Promise.resolve(result).then(
      (value) => {
        this.#observers.emit({ name: event, data, result: value, duration: performance.now() - start });
        return value;
      },
      (error: unknown) => {
        this.#observers.emit({
          name: event,
          data,
          result: undefined,
          error,
          duration: performance.now() - start,
        });
        throw error;
      },
    );
  }

  // The hot path: no closures, no allocation, a plain indexed loop over the cached snapshot.
  #dispatch(event: EventName, data: unknown): unknown {
    const set = this.#handlers.get(event);
    if (set === undefined) return undefined;
    const handlers = set.sorted ?? set.sort();
    const debugHook = this.#debugHook;
    let i = 0;
    try {
      for (; i < handlers.length; i++) {
        const handler = handlers[i]!;
        const result =
          debugHook === undefined ? handler(data as never) : debugHook(handler as Handler, event, data);
        if (result !== undefined) {
          return isThenable(result) ? continueAsync(event, data, handlers, i, result, debugHook) : result;
        }
      }
    } catch (error) {
      throw toEventError(event, error, handlers[i]);
    }
    return undefined;
  }
}

/** `new EventBus<Events>(options)`. */
export function createEventBus<Events extends object = Record<string, unknown>>(
  options?: EventBusOptions,
): EventBus<Events> {
  return new EventBus<Events>(options);
}
