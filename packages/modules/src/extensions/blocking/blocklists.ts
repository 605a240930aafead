import type { storage } from "canto";
import { resourceOf } from "canto";
import { bareOf, domainOf } from "../util.js";

/**
 * Whether `jid` (prepared, as the router leaves it) is covered by a blocklist, with XEP-0016's
 * matching rules: the full JID, its bare JID, its domain with its resource, or its domain.
 */
export function isBlocked(list: ReadonlySet<string>, jid: string): boolean {
  if (list.size === 0) return false;
  if (list.has(jid)) return true;
  const bare = bareOf(jid);
  if (bare !== jid && list.has(bare)) return true;
  const domain = domainOf(jid);
  if (list.has(domain)) return true;
  const resource = resourceOf(jid);
  return resource !== undefined && list.has(`${domain}/${resource}`);
}

function readList(value: unknown): Set<string> {
  if (!Array.isArray(value)) return new Set();
  return new Set(value.filter((jid): jid is string => typeof jid === "string" && jid !== ""));
}

/**
 * The accounts' blocklists (keyval store `blocklist`: an array of JIDs per account). The lists of
 * accounts that are online are kept in memory, so routing their stanzas needs no storage read;
 * changes to one account's list are applied one after the other.
 */
export class Blocklists {
  readonly #store: storage.KeyvalStore;
  readonly #isOnline: (username: string) => boolean;
  readonly #cache = new Map<string, Set<string>>();
  readonly #queues = new Map<string, Promise<unknown>>();

  constructor(store: storage.KeyvalStore, isOnline: (username: string) => boolean) {
    this.#store = store;
    this.#isOnline = isOnline;
  }

  /** The account's list: at once when it is in memory, else once read. Do not mutate it. */
  get(username: string): ReadonlySet<string> | Promise<ReadonlySet<string>> {
    return this.#cache.get(username) ?? this.#load(username);
  }

  async #load(username: string): Promise<Set<string>> {
    const list = readList(await this.#store.get(username));
    if (this.#isOnline(username) && !this.#cache.has(username)) this.#cache.set(username, list);
    return this.#cache.get(username) ?? list;
  }

  /**
   * Changes the account's list with `change` (given a copy, returning the new list), stores it,
   * and resolves with the list before and after.
   */
  update(
    username: string,
    change: (list: Set<string>) => Set<string>,
  ): Promise<{ before: ReadonlySet<string>; after: ReadonlySet<string> }> {
    const previous = this.#queues.get(username) ?? Promise.resolve();
    const run = previous
      .catch(() => undefined)
      .then(async () => {
        const before = new Set(await this.get(username));
        const after = change(new Set(before));
        await this.#store.set(username, after.size === 0 ? undefined : [...after]);
        if (this.#cache.has(username) || this.#isOnline(username)) this.#cache.set(username, after);
        return { before, after };
      });
    this.#queues.set(username, run);
    void run
      .catch(() => undefined)
      .finally(() => {
        if (this.#queues.get(username) === run) this.#queues.delete(username);
      });
    return run;
  }

  /** Drops an account's list from memory (its last session ended). */
  forget(username: string): void {
    this.#cache.delete(username);
  }
}
