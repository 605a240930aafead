import type { Module } from "canto";

/**
 * Counts failed logins per address in fixed windows (Prosody's mod_limit_auth idea): once an
 * address reaches `limit` failures, it is refused until its window, started at its first failure,
 * runs out. A limit of 0 turns throttling off. SASL (saslauth) and the admin page's login form
 * (admin_web) each keep their own.
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

  /** Whether `address` has used up its failures for now. */
  blocked(address: string): boolean {
    return this.#limit > 0 && (this.#failures.get(address) ?? 0) >= this.#limit;
  }

  /** Records a failure of `address`. */
  fail(address: string): void {
    if (this.#limit <= 0) return;
    const count = this.#failures.get(address);
    if (count === undefined) {
      // The module's timers stop on unload, and the map goes with the module.
      this.#module.addTimer(this.#window, () => {
        this.#failures.delete(address);
      });
    }
    this.#failures.set(address, (count ?? 0) + 1);
  }
}
