import type { Element } from "ltx";

/** A JSON value. Objects must be plain; `undefined` properties are dropped. */
export type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };

/**
 * What the stores hold: JSON values, ltx `Element`s, or JSON containing `Element`s. Values come back
 * as what went in (a fresh copy: callers never share references with the store).
 */
export type StoredValue = JsonValue | Element | StoredValue[] | { [key: string]: StoredValue };

/** A keyval document (Prosody's table). */
export type Document = StoredValue;

/** Sentinel for `MapStore.setKeys` that deletes a key (Prosody's `store.remove`). */
export const REMOVE: unique symbol = Symbol.for("canto.storage.remove");
export type Remove = typeof REMOVE;

export type StoreType = "keyval" | "map" | "archive" | "keyval+";

/** `user` is a node (localpart) or `undefined` for host-level data. */
export type User = string | undefined;

export interface KeyvalStore {
  /** The document, or `undefined` if there is none. */
  get(user: User): Promise<Document | undefined>;
  /** Replaces the document; `undefined` deletes it. Resolves `true`, as Prosody's returns true. */
  set(user: User, value: Document | undefined): Promise<true>;
  /** Every user with a document (host-level data is not listed). */
  users(): AsyncIterable<string>;
}

export interface MapStore {
  get(user: User, key: string): Promise<StoredValue | undefined>;
  /** `undefined` deletes the key. Resolves `true` on success. */
  set(user: User, key: string, value: StoredValue | undefined): Promise<true>;
  /** Sets and removes (`REMOVE`) several keys at once: all or nothing. Resolves `true` on success. */
  setKeys(user: User, changes: Record<string, StoredValue | Remove | undefined>): Promise<true>;
  /** `{ [user]: value }` for every user that has `key`, or `undefined` if none has. */
  getAll(key: string): Promise<Record<string, StoredValue> | undefined>;
  /** Deletes `key` for every user. */
  deleteAll(key: string): Promise<void>;
}

/** Prosody's `keyval+`: a keyval store that also speaks map. */
export interface KeyvalPlusStore extends KeyvalStore {
  getKey(user: User, key: string): Promise<StoredValue | undefined>;
  setKey(user: User, key: string, value: StoredValue | undefined): Promise<true>;
  setKeys(user: User, changes: Record<string, StoredValue | Remove | undefined>): Promise<true>;
  getKeyFromAll(key: string): Promise<Record<string, StoredValue> | undefined>;
  deleteKeyFromAll(key: string): Promise<void>;
}

/** One archived item. `when` is in seconds since the epoch (fractions allowed). */
export interface ArchiveItem {
  key: string;
  value: StoredValue;
  when: number;
  with: string | undefined;
}

export interface ArchiveQuery {
  /** Inclusive lower bound on `when`. */
  start?: number;
  /** Inclusive upper bound on `when`. */
  end?: number;
  /** Exact match on `with`. */
  with?: string;
  /** Only this key. */
  key?: string;
  /** Only these keys. */
  ids?: readonly string[];
  /** Exclusive: items archived before this key (by position, not time). */
  before?: string;
  /** Exclusive: items archived after this key (by position, not time). */
  after?: string;
  /** At most this many items, counted from the start of the (possibly reversed) order. */
  limit?: number;
  /** Newest first. `before`/`after` keep their meaning. */
  reverse?: boolean;
  /** Also count every item that matches the filters (ignoring before, after and limit). */
  total?: boolean;
}

export interface ArchiveDeleteQuery {
  start?: number;
  end?: number;
  with?: string;
  key?: string;
  ids?: readonly string[];
  before?: string;
  after?: string;
  /** Keep the N newest matching items (the N oldest with `reverse`), delete the rest. */
  truncate?: number;
  reverse?: boolean;
}

export interface FindResult extends Iterable<ArchiveItem>, AsyncIterable<ArchiveItem> {
  readonly items: readonly ArchiveItem[];
  /** Set when the query asked for `total`. */
  readonly total: number | undefined;
}

export interface ArchiveSummary {
  /** `with` → number of items ("" for items without `with`). */
  counts: Record<string, number>;
  earliest: Record<string, number>;
  latest: Record<string, number>;
}

export interface AppendItem {
  key?: string | undefined;
  value: StoredValue;
  when?: number | undefined;
  with?: string | undefined;
}

export interface ArchiveCaps {
  total: boolean;
  quota: number | undefined;
  truncate: boolean;
  full_id_range: boolean;
  ids: boolean;
  wildcard_delete: boolean;
}

export interface ArchiveStore {
  readonly caps: ArchiveCaps;
  /** Adds an item and resolves to its key (a UUIDv7 when none is given). Reusing a key replaces that item and moves it to the end. */
  append(
    user: User,
    key: string | undefined,
    value: StoredValue,
    when?: number,
    with_?: string,
  ): Promise<string>;
  /** Appends several items in one transaction; all or nothing. */
  appendMany(user: User, items: readonly AppendItem[]): Promise<string[]>;
  find(user: User, query?: ArchiveQuery): Promise<FindResult>;
  /** The item, or `undefined`. */
  get(user: User, key: string): Promise<ArchiveItem | undefined>;
  /** Replaces an item in place (keeps its position); `when`/`with` left out keep their old values. Rejects `item-not-found`. */
  set(user: User, key: string, value: StoredValue, when?: number, with_?: string): Promise<void>;
  /** Deletes matching items (filters are ANDed) and resolves to how many were deleted. */
  delete(user: User, query?: ArchiveDeleteQuery): Promise<number>;
  summary(user: User, query?: ArchiveQuery): Promise<ArchiveSummary>;
  users(): AsyncIterable<string>;
}

export type AnyStore = KeyvalStore | MapStore | ArchiveStore | KeyvalPlusStore;

export interface StoreByType {
  keyval: KeyvalStore;
  map: MapStore;
  archive: ArchiveStore;
  "keyval+": KeyvalPlusStore;
}

/** Per-archive settings (Prosody's `storage_archive_item_limit`). */
export interface ArchiveOptions {
  itemLimit?: number | undefined;
}

/**
 * A storage driver. A driver lacking `map` gets the keyval shim; one lacking `archive` or `keyval`
 * makes `open` reject with `unsupported-store`.
 */
export interface StorageDriver {
  readonly name: string;
  keyval?(host: string, store: string): KeyvalStore | Promise<KeyvalStore>;
  map?(host: string, store: string): MapStore | Promise<MapStore>;
  archive?(host: string, store: string, options: ArchiveOptions): ArchiveStore | Promise<ArchiveStore>;
  close(): Promise<void>;
}

/** Milliseconds since the epoch; injectable for tests. */
export type Clock = () => number;
