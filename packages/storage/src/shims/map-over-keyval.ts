import { InvalidValueError } from "../errors.js";
import type { KeyvalStore, MapStore, Remove, StoredValue, User } from "../types.js";
import { REMOVE } from "../types.js";
import { KeyedMutex } from "../util/mutex.js";
import { getOwn, isPlainObject, type PlainObject, setOwn } from "../util/plain.js";
import { validateMapKey, validateNonEmptyKey, validateUser } from "../validate.js";

/** A keyval store that can also list every (user, document) pair in one pass. */
interface EntriesSource {
  entries(): AsyncIterable<[string, StoredValue]>;
}

/**
 * Changes one user's document atomically (also against other processes): reads it, calls
 * `change`, and writes the result (`undefined` deletes) in one transaction. Drivers that can do
 * this (SQLite, PostgreSQL) pass it to the shim.
 */
export type AtomicDocumentUpdate = (
  user: User,
  change: (current: StoredValue | undefined) => StoredValue | undefined,
) => Promise<void>;

function applyChanges(
  current: StoredValue | undefined,
  changes: Record<string, StoredValue | Remove | undefined>,
): StoredValue | undefined {
  if (current !== undefined && !isPlainObject(current)) {
    throw new InvalidValueError("the stored document is not an object, so it cannot be used as a map");
  }
  const doc: PlainObject = current ?? {};
  for (const key of Object.keys(changes)) {
    const value = changes[key];
    if (value === REMOVE || value === undefined) delete doc[key];
    else setOwn(doc, key, value);
  }
  return Object.keys(doc).length === 0 ? undefined : (doc as StoredValue);
}

/**
 * A map store over a keyval store (Prosody's shim): each user's document is an object whose
 * properties are the map's keys. A write reads the document, changes it and writes it back: in
 * one transaction when the driver offers an atomic update, otherwise under a per-user lock so
 * concurrent writes in this process do not lose each other's keys.
 */
export class MapOverKeyval implements MapStore {
  constructor(
    private readonly keyval: KeyvalStore,
    private readonly locks: KeyedMutex = new KeyedMutex(),
    private readonly atomic?: AtomicDocumentUpdate,
  ) {}

  async get(user: User, key: string): Promise<StoredValue | undefined> {
    validateMapKey(key);
    const doc = await this.keyval.get(validateUser(user));
    return isPlainObject(doc) ? (getOwn(doc, key) as StoredValue | undefined) : undefined;
  }

  set(user: User, key: string, value: StoredValue | undefined): Promise<true> {
    validateMapKey(key);
    return this.setKeys(user, { [key]: value === undefined ? REMOVE : value });
  }

  async setKeys(user: User, changes: Record<string, StoredValue | Remove | undefined>): Promise<true> {
    validateUser(user);
    if (!isPlainObject(changes)) throw new InvalidValueError("setKeys takes a plain object of changes");
    const atomic = this.atomic;
    if (atomic) {
      await atomic(user, (current) => applyChanges(current, changes));
      return true;
    }
    return this.locks.run(user ?? "", () =>
      this.keyval.get(user).then((current) => this.keyval.set(user, applyChanges(current, changes))),
    );
  }

  /** Users and documents: in one pass when the keyval store can list entries. */
  async *#documents(): AsyncIterable<[string, StoredValue | undefined]> {
    const entries = (this.keyval as Partial<EntriesSource>).entries;
    if (typeof entries === "function") {
      yield* entries.call(this.keyval);
      return;
    }
    for await (const user of this.keyval.users()) yield [user, await this.keyval.get(user)];
  }

  async getAll(key: string): Promise<Record<string, StoredValue> | undefined> {
    validateNonEmptyKey(key);
    const out: Record<string, StoredValue> = {};
    let found = false;
    for await (const [user, doc] of this.#documents()) {
      const value = isPlainObject(doc) ? (getOwn(doc, key) as StoredValue | undefined) : undefined;
      if (value !== undefined) {
        setOwn(out, user, value);
        found = true;
      }
    }
    return found ? out : undefined;
  }

  async deleteAll(key: string): Promise<void> {
    validateNonEmptyKey(key);
    const holders: string[] = [];
    for await (const [user, doc] of this.#documents()) {
      if (isPlainObject(doc) && Object.hasOwn(doc, key)) holders.push(user);
    }
    for (const user of holders) await this.setKeys(user, { [key]: REMOVE });
  }
}
