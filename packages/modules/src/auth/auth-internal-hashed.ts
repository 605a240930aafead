import type { Module } from "canto";
import type { AuthProvider, ScramCredentials } from "../shared/contracts.js";
import { openAccountStore } from "./account-store.js";
import { AccountError } from "./errors.js";
import { saslprep } from "./saslprep.js";
import {
  DEFAULT_ITERATIONS,
  deriveScramCredentials,
  MIN_ITERATIONS,
  type ScramHash,
  verifyPassword,
} from "./scram.js";
import { prepUsername } from "./username.js";

/** What the `accounts` store holds per user: SCRAM credentials per hash, never the password. */
interface AccountDocument {
  scram_sha_1: StoredScram;
  scram_sha_256: StoredScram;
  [key: string]: unknown;
}

type StoredScram = {
  salt: string;
  iterations: number;
  storedKey: string;
  serverKey: string;
};

const FIELD: Record<ScramHash, "scram_sha_1" | "scram_sha_256"> = {
  "sha-1": "scram_sha_1",
  "sha-256": "scram_sha_256",
};

function isStoredScram(value: unknown): value is StoredScram {
  if (value === null || typeof value !== "object") return false;
  const v = value as Record<string, unknown>;
  return (
    typeof v.salt === "string" &&
    typeof v.iterations === "number" &&
    typeof v.storedKey === "string" &&
    typeof v.serverKey === "string"
  );
}

/**
 * `auth_internal_hashed`: accounts in the host's `accounts` keyval store as salted SCRAM-SHA-1 and
 * SCRAM-SHA-256 credentials (RFC 5802), never the password. Usernames are nodeprep'd and passwords
 * SASLprep'd before use. Provides the auth provider `internal_hashed`.
 */
export default async function authInternalHashed(module: Module): Promise<void> {
  const iterations = module.getOptionInteger("scram_iteration_count", DEFAULT_ITERATIONS, MIN_ITERATIONS);
  const accounts = await openAccountStore(module);
  // Checking a password for an unknown user costs as much as for a known one.
  const decoy = await deriveScramCredentials(`decoy-${Math.random()}`, "sha-256", iterations);
  const load = (node: string) => accounts.load(node) as Promise<AccountDocument | undefined>;

  async function credentialsFor(
    password: string,
  ): Promise<Pick<AccountDocument, "scram_sha_1" | "scram_sha_256">> {
    const prepared = saslprep(password);
    if (prepared === "") throw new AccountError("invalid-password", "the password is empty");
    const [sha1, sha256] = await Promise.all([
      deriveScramCredentials(prepared, "sha-1", iterations),
      deriveScramCredentials(prepared, "sha-256", iterations),
    ]);
    const strip = ({ hash: _hash, ...rest }: ScramCredentials): StoredScram => rest;
    return { scram_sha_1: strip(sha1), scram_sha_256: strip(sha256) };
  }

  const provider: AuthProvider = {
    name: "internal_hashed",

    userExists: (username) => accounts.exists(username),

    async createUser(username, password) {
      const node = prepUsername(username);
      await accounts.create(node, await credentialsFor(password));
    },

    async setPassword(username, password) {
      const node = prepUsername(username);
      await accounts.update(node, await credentialsFor(password));
    },

    async deleteUser(username) {
      await accounts.remove(prepUsername(username));
    },

    async testPassword(username, password) {
      let node: string;
      let prepared: string;
      try {
        node = prepUsername(username);
        prepared = saslprep(password);
      } catch {
        return false;
      }
      const stored = (await load(node))?.scram_sha_256;
      if (!isStoredScram(stored)) {
        await verifyPassword(prepared, decoy);
        return false;
      }
      return verifyPassword(prepared, { hash: "sha-256", ...stored });
    },

    async getScramCredentials(username, hash) {
      let node: string;
      try {
        node = prepUsername(username);
      } catch {
        return undefined;
      }
      const stored = (await load(node))?.[FIELD[hash]];
      return isStoredScram(stored) ? { hash, ...stored } : undefined;
    },

    users() {
      return accounts.users();
    },
  };
  module.provides("auth", provider);
}
