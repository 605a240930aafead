import type { Module, storage } from "canto";
import { AccountError } from "./errors.js";
import { prepUsername } from "./username.js";

/** One account's document in the host's `accounts` keyval store. */
export type AccountDocument = Record<string, storage.StoredValue>;

/** The `accounts` store of a password provider, with one change at a time per account. */
export interface AccountStore {
  load(node: string): Promise<AccountDocument | undefined>;
  /** Whether `username` (prepared here; a name that cannot be prepared has no account) exists. */
  exists(username: string): Promise<boolean>;
  /** Stores a new account; `user-exists` when there is one. */
  create(node: string, document: AccountDocument): Promise<void>;
  /** Merges `changes` into an account; `user-not-found` when there is none. */
  update(node: string, changes: AccountDocument): Promise<void>;
  /** Removes an account; `user-not-found` when there is none. */
  remove(node: string): Promise<void>;
  users(): AsyncIterable<string>;
}

/** Opens the host's `accounts` store for an auth provider (internal_hashed, internal_plain). */
export async function openAccountStore(module: Module): Promise<AccountStore> {
  const store = await module.openStore("accounts");
  // Changes to one account run one after another, so "exists?" and "create" cannot interleave.
  const locks = new Map<string, Promise<unknown>>();

  function locked<T>(node: string, work: () => Promise<T>): Promise<T> {
    const previous = locks.get(node) ?? Promise.resolve();
    const next = previous.then(work, work);
    const tail = next.then(
      () => undefined,
      () => undefined,
    );
    locks.set(node, tail);
    void tail.then(() => {
      if (locks.get(node) === tail) locks.delete(node);
    });
    return next;
  }

  async function load(node: string): Promise<AccountDocument | undefined> {
    const doc = await store.get(node);
    if (doc === undefined || doc === null || typeof doc !== "object" || Array.isArray(doc)) return undefined;
    return doc as AccountDocument;
  }

  const notFound = (node: string) =>
    new AccountError("user-not-found", `the account ${node}@${module.host} does not exist`);

  return {
    load,
    async exists(username) {
      let node: string;
      try {
        node = prepUsername(username);
      } catch {
        return false;
      }
      return (await load(node)) !== undefined;
    },
    create: (node, document) =>
      locked(node, async () => {
        if ((await load(node)) !== undefined) {
          throw new AccountError("user-exists", `the account ${node}@${module.host} already exists`);
        }
        await store.set(node, { ...document, created: Math.floor(Date.now() / 1000) });
      }),
    update: (node, changes) =>
      locked(node, async () => {
        const existing = await load(node);
        if (existing === undefined) throw notFound(node);
        await store.set(node, { ...existing, ...changes });
      }),
    remove: (node) =>
      locked(node, async () => {
        if ((await load(node)) === undefined) throw notFound(node);
        await store.set(node, undefined);
      }),
    users: () => store.users(),
  };
}
