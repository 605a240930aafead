import { createHash, createHmac, pbkdf2, randomBytes, timingSafeEqual } from "node:crypto";
import type { ScramCredentials } from "../shared/contracts.js";

/** The SCRAM hashes Canto supports, by contract name. */
export type ScramHash = ScramCredentials["hash"];

/** Prosody's default iteration count for new credentials. */
export const DEFAULT_ITERATIONS = 10000;
/** RFC 5802 §5.1: at least 4096 iterations. */
export const MIN_ITERATIONS = 4096;

const DIGEST = { "sha-1": "sha1", "sha-256": "sha256" } as const;
const KEY_LENGTH = { "sha-1": 20, "sha-256": 32 } as const;

function pbkdf2Async(password: string, salt: Buffer, iterations: number, hash: ScramHash): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    pbkdf2(password, salt, iterations, KEY_LENGTH[hash], DIGEST[hash], (error, key) =>
      error ? reject(error) : resolve(key),
    );
  });
}

export function hmac(hash: ScramHash, key: Buffer, data: string | Buffer): Buffer {
  return createHmac(DIGEST[hash], key).update(data).digest();
}

export function digest(hash: ScramHash, data: Buffer): Buffer {
  return createHash(DIGEST[hash]).update(data).digest();
}

/** SaltedPassword (RFC 5802 §3): PBKDF2 over the already SASLprep'd password. */
export function saltedPassword(
  password: string,
  salt: Buffer,
  iterations: number,
  hash: ScramHash,
): Promise<Buffer> {
  return pbkdf2Async(password, salt, iterations, hash);
}

/**
 * The credentials a server keeps for SCRAM (StoredKey, ServerKey), derived from a password that has
 * already gone through SASLprep. A random 16-byte salt unless one is given.
 */
export async function deriveScramCredentials(
  password: string,
  hash: ScramHash,
  iterations: number = DEFAULT_ITERATIONS,
  salt: Buffer = randomBytes(16),
): Promise<ScramCredentials> {
  const salted = await saltedPassword(password, salt, iterations, hash);
  const clientKey = hmac(hash, salted, "Client Key");
  return {
    hash,
    salt: salt.toString("base64"),
    iterations,
    storedKey: digest(hash, clientKey).toString("base64"),
    serverKey: hmac(hash, salted, "Server Key").toString("base64"),
  };
}

/** Whether `password` (SASLprep'd) matches stored credentials; compares in constant time. */
export async function verifyPassword(password: string, credentials: ScramCredentials): Promise<boolean> {
  const salted = await saltedPassword(
    password,
    Buffer.from(credentials.salt, "base64"),
    credentials.iterations,
    credentials.hash,
  );
  const storedKey = digest(credentials.hash, hmac(credentials.hash, salted, "Client Key"));
  return safeEqual(storedKey, Buffer.from(credentials.storedKey, "base64"));
}

/** Constant-time equality that also accepts buffers of different lengths (then false). */
export function safeEqual(a: Buffer, b: Buffer): boolean {
  if (a.length !== b.length) {
    // Still spend the comparison so the length difference is not the only thing timed.
    timingSafeEqual(a, a);
    return false;
  }
  return timingSafeEqual(a, b);
}
