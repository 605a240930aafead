import type {
  Document,
  KeyvalPlusStore,
  KeyvalStore,
  MapStore,
  Remove,
  StoredValue,
  User,
} from "../types.js";

/** Prosody's `keyval+`: one object that is both the keyval and the map view of a store. */
export class KeyvalPlus implements KeyvalPlusStore {
  constructor(
    private readonly keyval: KeyvalStore,
    private readonly map: MapStore,
  ) {}
  get(user: User): Promise<Document | undefined> {
    return this.keyval.get(user);
  }
  set(user: User, value: Document | undefined): Promise<true> {
    return this.keyval.set(user, value);
  }
  users(): AsyncIterable<string> {
    return this.keyval.users();
  }
  getKey(user: User, key: string): Promise<StoredValue | undefined> {
    return this.map.get(user, key);
  }
  setKey(user: User, key: string, value: StoredValue | undefined): Promise<true> {
    return this.map.set(user, key, value);
  }
  setKeys(user: User, changes: Record<string, StoredValue | Remove | undefined>): Promise<true> {
    return this.map.setKeys(user, changes);
  }
  getKeyFromAll(key: string): Promise<Record<string, StoredValue> | undefined> {
    return this.map.getAll(key);
  }
  deleteKeyFromAll(key: string): Promise<void> {
    return this.map.deleteAll(key);
  }
}
