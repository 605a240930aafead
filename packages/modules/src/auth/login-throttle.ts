import type { Module } from "canto";
import { FailureThrottle } from "../shared/failure-throttle.js";

/** Thrown by saslauth's backend when an account may not try a password now. */
export class LoginThrottledError extends Error {
  readonly code = "login-throttled";
  constructor(readonly username: string) {
    super(`too many failed logins for ${username}`);
    this.name = "LoginThrottledError";
  }
}

/**
 * Wrong passwords throttle the account they were tried for, never the address they came from: a
 * company or mobile network behind one NAT address shares it. After `limit_auth_max` failures for
 * one account from one address within `limit_auth_period`, that account is refused from that
 * address; after `limit_auth_account_max` failures for it from anywhere, it is refused everywhere
 * (slowing guesses spread over many addresses). The other accounts of the address log in as usual.
 */
export class LoginThrottle {
  readonly #fromAddress: FailureThrottle;
  readonly #account: FailureThrottle;

  constructor(module: Module) {
    // auth_failure_limit / auth_failure_window: Canto's earlier names, still read.
    const max = module.getOptionInteger(
      "limit_auth_max",
      module.getOptionInteger("auth_failure_limit", 5, 0),
      0,
    );
    const period = module.getOptionPeriod(
      "limit_auth_period",
      module.getOptionPeriod("auth_failure_window", 30, 1),
      1,
    );
    const accountMax = module.getOptionInteger("limit_auth_account_max", 20, 0);
    this.#fromAddress = new FailureThrottle(module, max, period);
    this.#account = new FailureThrottle(module, accountMax, period);
  }

  /** Whether `username` may not try a password from `ip` for now. */
  blocked(username: string, ip: string): boolean {
    return this.#fromAddress.blocked(`${username}\0${ip}`) || this.#account.blocked(username);
  }

  /** Records a wrong password for `username` from `ip`. */
  fail(username: string, ip: string): void {
    this.#fromAddress.fail(`${username}\0${ip}`);
    this.#account.fail(username);
  }
}
