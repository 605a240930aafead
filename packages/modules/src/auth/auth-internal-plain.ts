import { createHash, timingSafeEqual } from "node:crypto";
import type { Module } from "canto";
import type { AuthProvider } from "../shared/contracts.js";
import { openAccountStore } from "./account-store.js";
import { AccountError } from "./errors.js";
import { saslprep } from "./saslprep.js";
import { DEFAULT_ITERATIONS, deriveScramCredentials, MIN_ITERATIONS } from "./scram.js";
import { prepUsername } from "./username.js";

function sameText(a: string, b: string): boolean {
  // Digests first, so the comparison takes as long whatever the lengths.
  const digest = (text: string) => createHash("sha256").update(text).digest();
  return timingSafeEqual(digest(a), digest(b));
}

/**
 * `auth_internal_plain` (Prosody's `authentication = "internal_plain"`): accounts in the host's
 * `accounts` store with the password itself, as `{ password }` like Prosody's. SCRAM works too:
 * the credentials are derived from the password at each login, with a fresh salt.
 */
export default async function authInternalPlain(module: Module): Promise<void> {
  const iterations = module.getOptionInteger("scram_iteration_count", DEFAULT_ITERATIONS, MIN_ITERATIONS);
  const accounts = await openAccountStore(module);

  async function passwordOf(username: string): Promise<string | undefined> {
    let node: string;
    try {
      node = prepUsername(username);
    } catch {
      return undefined;
    }
    const password = (await accounts.load(node))?.password;
    return typeof password === "string" ? password : undefined;
  }

  function prepared(password: string): string {
    const result = saslprep(password);
    if (result === "") throw new AccountError("invalid-password", "the password is empty");
    return result;
  }

  const provider: AuthProvider = {
    name: "internal_plain",
    userExists: (username) => accounts.exists(username),
    async createUser(username, password) {
      await accounts.create(prepUsername(username), { password: prepared(password) });
    },
    async setPassword(username, password) {
      await accounts.update(prepUsername(username), { password: prepared(password) });
    },
    async deleteUser(username) {
      await accounts.remove(prepUsername(username));
    },
    async testPassword(username, password) {
      const stored = await passwordOf(username);
      let given: string;
      try {
        given = saslprep(password);
      } catch {
        return false;
      }
      return stored !== undefined && sameText(stored, given);
    },
    async getScramCredentials(username, hash) {
      const stored = await passwordOf(username);
      return stored === undefined ? undefined : deriveScramCredentials(stored, hash, iterations);
    },
    users: () => accounts.users(),
  };
  module.provides("auth", provider);
}
