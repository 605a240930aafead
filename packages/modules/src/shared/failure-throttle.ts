import type { Module } from "canto";

/**
 * Counts failures per key in fixed windows (Prosody's mod_limit_auth idea): once a key reaches
 * `limit` failures, it is refused until its window, started at its first failure, runs out. A limit
 * of 0 turns throttling off. The key is what a caller throttles: saslauth uses an account and an
 * account from one address (never a bare address, which would lock out everyone behind one NAT);
 * the admin page's login form (admin_web) keeps its own per address.
 */
export class FailureThrottle {
  readonly #module: Module;
  readonly #limit: number;
  readonly #window: number;
  readonly #failures = new Map<string, number>();

  constructor(module: Module, limit: number, window: number) {
    this.#module = module;
    this.#limit = limit;
    this.#window = window;
  }

  /** Whether `key` has used up its failures for now. */
  blocked(key: string): boolean {
    return this.#limit > 0 && (this.#failures.get(key) ?? 0) >= this.#limit;
  }

  /** Records a failure of `key`. */
  fail(key: string): void {
    if (this.#limit <= 0) return;
    const count = this.#failures.get(key);
    if (count === undefined) {
      // The module's timers stop on unload, and the map goes with the module.
      this.#module.addTimer(this.#window, () => {
        this.#failures.delete(key);
      });
    }
    this.#failures.set(key, (count ?? 0) + 1);
  }
}
