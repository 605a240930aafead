import { StorageDisabledError } from "../errors.js";
import type { ArchiveStore, KeyvalStore, StorageDriver } from "../types.js";
import { findResult } from "../util/find-result.js";

export interface DisabledDriverOptions {
  /** Registered name; default "none". */
  name?: string;
  /**
   * Prosody's `null` driver (true: every call rejects `storage-disabled`) or its `none` driver
   * (false, default: reads find nothing, deletes succeed, writes reject `storage-disabled`).
   */
  failReads?: boolean;
}

/** Prosody's `none` and `null` storage: a store that keeps nothing. */
export function createDisabledDriver(options: DisabledDriverOptions = {}): StorageDriver {
  const name = options.name ?? "none";
  const refuse = async (): Promise<never> => {
    throw new StorageDisabledError(name);
  };
  const read = <T>(value: () => T) => (options.failReads ? refuse : async () => value());
  const keyval: KeyvalStore = {
    get: read(() => undefined),
    set: refuse,
    users: () => ({
      [Symbol.asyncIterator]: () => ({
        next: async (): Promise<IteratorResult<string>> =>
          options.failReads ? refuse() : { done: true, value: undefined },
      }),
    }),
  };
  const archive: ArchiveStore = {
    caps: {
      total: true,
      quota: undefined,
      truncate: true,
      full_id_range: true,
      ids: true,
      wildcard_delete: false,
    },
    append: refuse,
    appendMany: refuse,
    find: read(() => findResult([], 0)),
    get: read(() => undefined),
    set: refuse,
    delete: read(() => 0),
    summary: read(() => ({ counts: {}, earliest: {}, latest: {} })),
    users: keyval.users,
  };
  return {
    name,
    keyval: () => keyval,
    archive: () => archive,
    async close() {},
  };
}
