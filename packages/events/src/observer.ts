import { mitt } from "./mitt.js";
import type { Disposer, FiredEvent, Observer } from "./types.js";

export type ObserverErrorHandler = (error: unknown, event: FiredEvent) => void;

export const reportObserverError: ObserverErrorHandler = (error, event) => {
  console.error(`@canto/events: an observer of ${String(event.name)} threw`, error);
};

/** Fire-and-forget taps on every fired event. Observers cannot halt, answer or break a dispatch. */
export class ObserverChannel {
  readonly #emitter = mitt<{ fired: FiredEvent }>();
  readonly #onError: ObserverErrorHandler;
  #count = 0;

  constructor(onError: ObserverErrorHandler) {
    this.#onError = onError;
  }

  get size(): number {
    return this.#count;
  }

  add(observer: Observer): Disposer {
    // mitt calls listeners in a plain loop, so one throwing would skip the rest and reach `fire`.
    const guarded = (event: FiredEvent): void => {
      try {
        observer(event);
      } catch (error) {
        try {
          this.#onError(error, event);
        } catch {
          // The error handler failing too must still not reach `fire`; there is nowhere left to report.
        }
      }
    };
    this.#emitter.on("fired", guarded);
    this.#count++;
    let active = true;
    return () => {
      if (!active) return;
      active = false;
      this.#emitter.off("fired", guarded);
      this.#count--;
    };
  }

  emit(event: FiredEvent): void {
    this.#emitter.emit("fired", event);
  }
}
