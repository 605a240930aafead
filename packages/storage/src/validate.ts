import { InvalidArgumentError } from "./errors.js";
import type { ArchiveDeleteQuery, ArchiveQuery, User } from "./types.js";

const MAX_NAME = 1023;
// C0 controls and DEL: never valid in a JID part or a store name.
// biome-ignore lint/suspicious/noControlCharactersInRegex: that is the point
const CONTROL = /[\u0000-\u001f\u007f]/;
const STORE_NAME = /^[A-Za-z0-9_][A-Za-z0-9_.+-]{0,127}$/;

export function validateHost(host: unknown): string {
  if (
    typeof host !== "string" ||
    host === "" ||
    host.length > MAX_NAME ||
    CONTROL.test(host) ||
    /\s/.test(host)
  ) {
    throw new InvalidArgumentError("invalid-host", `invalid host ${JSON.stringify(host)}`);
  }
  return host;
}

export function validateStoreName(store: unknown): string {
  if (typeof store !== "string" || !STORE_NAME.test(store)) {
    throw new InvalidArgumentError(
      "invalid-store",
      `invalid store name ${JSON.stringify(store)}: use letters, digits, "_", ".", "+" or "-" (at most 128)`,
    );
  }
  return store;
}

/** `undefined` (host-level data) or a non-empty name without control characters. */
export function validateUser(user: unknown): User {
  if (user === undefined) return undefined;
  if (typeof user !== "string" || user === "" || user.length > MAX_NAME || CONTROL.test(user)) {
    throw new InvalidArgumentError("invalid-user", `invalid user ${JSON.stringify(user)}`);
  }
  return user;
}

export function validateMapKey(key: unknown): string {
  if (typeof key !== "string") throw new InvalidArgumentError("invalid-key", "map keys must be strings");
  return key;
}

/** `getAll` / `deleteAll` take only non-empty string keys, as in Prosody. */
export function validateNonEmptyKey(key: unknown): string {
  if (typeof key !== "string" || key === "") {
    throw new InvalidArgumentError("invalid-key", "getAll and deleteAll take only non-empty string keys");
  }
  return key;
}

export function validateArchiveKey(key: unknown): string {
  if (typeof key !== "string" || key === "" || key.length > MAX_NAME || CONTROL.test(key)) {
    throw new InvalidArgumentError("invalid-key", `invalid archive key ${JSON.stringify(key)}`);
  }
  return key;
}

export function validateWhen(when: unknown, name = "when"): number {
  if (typeof when !== "number" || !Number.isFinite(when)) {
    throw new InvalidArgumentError("invalid-query", `${name} must be a finite number of seconds`);
  }
  return when;
}

export function validateWith(with_: unknown): string | undefined {
  if (with_ === undefined) return undefined;
  if (typeof with_ !== "string" || with_.length > 3071 || CONTROL.test(with_)) {
    throw new InvalidArgumentError(
      "invalid-query",
      "with must be a string (a JID) without control characters",
    );
  }
  return with_;
}

/** Checks every field of a find/delete/summary query; returns a normalised copy. */
export function validateQuery<Q extends ArchiveQuery & ArchiveDeleteQuery>(query: unknown): Q {
  if (query === undefined || query === null) return {} as Q;
  if (typeof query !== "object") throw new InvalidArgumentError("invalid-query", "query must be an object");
  const q = query as Record<string, unknown>;
  const out: Record<string, unknown> = {};
  for (const k of ["start", "end"] as const) if (q[k] !== undefined) out[k] = validateWhen(q[k], k);
  if (q.with !== undefined) out.with = validateWith(q.with);
  for (const k of ["key", "before", "after"] as const) {
    if (q[k] !== undefined) {
      if (typeof q[k] !== "string" || CONTROL.test(q[k] as string)) {
        throw new InvalidArgumentError("invalid-query", `${k} must be a string without control characters`);
      }
      out[k] = q[k];
    }
  }
  if (q.ids !== undefined) {
    if (!Array.isArray(q.ids) || !q.ids.every((id) => typeof id === "string" && !CONTROL.test(id))) {
      throw new InvalidArgumentError("invalid-query", "ids must be an array of strings");
    }
    out.ids = [...q.ids];
  }
  for (const k of ["limit", "truncate"] as const) {
    if (q[k] !== undefined) {
      const n = q[k];
      if (typeof n !== "number" || !Number.isInteger(n) || n < 0) {
        throw new InvalidArgumentError("invalid-query", `${k} must be a non-negative integer`);
      }
      out[k] = n;
    }
  }
  for (const k of ["reverse", "total"] as const) if (q[k] !== undefined) out[k] = Boolean(q[k]);
  return out as Q;
}
