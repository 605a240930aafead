import type { Module } from "canto";

/**
 * Failed logins per client address in fixed windows: once an address has `limit` failures, it is
 * refused until the window that its first failure opened runs out. A limit of 0 turns it off.
 */
export class LoginThrottle {
  readonly #module: Module;
  readonly #limit: number;
  readonly #window: number;
  readonly #failures = new Map<string, number>();

  constructor(module: Module, limit: number, window: number) {
    this.#module = module;
    this.#limit = limit;
    this.#window = window;
  }

  blocked(address: string): boolean {
    return this.#limit > 0 && (this.#failures.get(address) ?? 0) >= this.#limit;
  }

  fail(address: string): void {
    if (this.#limit <= 0) return;
    const count = this.#failures.get(address);
    // Module timers stop at unload, and the map goes with the module, so nothing outlives it.
    if (count === undefined) this.#module.addTimer(this.#window, () => void this.#failures.delete(address));
    this.#failures.set(address, (count ?? 0) + 1);
  }
}
