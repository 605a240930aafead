import { Element, type Module, type storage } from "canto";

/**
 * Rosters as the IM modules share them. Stored per user in the keyval store `roster` in Prosody's
 * shape: one entry per contact JID, plus the roster's metadata (version and pending inbound
 * subscription requests) under the key `""`, which no JID can take (Prosody uses the key `false`).
 */

export type Subscription = "none" | "to" | "from" | "both";

export interface RosterItem {
  subscription: Subscription;
  /** `"subscribe"` while our subscription request to the contact is pending (RFC 6121 §3.1.2). */
  ask?: "subscribe" | undefined;
  name?: string | undefined;
  /** Group names as a set, as Prosody stores them. */
  groups: Record<string, true>;
}

export interface Roster {
  items: Map<string, RosterItem>;
  /** Increases with each change (RFC 6121 §2.6 roster versioning). */
  version: number;
  /** Contacts whose subscription request awaits the user's answer, with the request stanza. */
  pending: Map<string, Element | true>;
}

const META_KEY = "";

type StoredItem = { subscription: string; ask?: string; name?: string; groups?: Record<string, boolean> };
type StoredMeta = { version?: number; pending?: Record<string, unknown> };

const SUBSCRIPTIONS = new Set<string>(["none", "to", "from", "both"]);

export function emptyRoster(): Roster {
  return { items: new Map(), version: 0, pending: new Map() };
}

/** Reads a stored document; entries that are not roster items are skipped rather than trusted. */
export function decodeRoster(document: unknown): Roster {
  const roster = emptyRoster();
  if (document === null || typeof document !== "object" || Array.isArray(document)) return roster;
  for (const [key, value] of Object.entries(document as Record<string, unknown>)) {
    if (value === null || typeof value !== "object") continue;
    if (key === META_KEY) {
      const meta = value as StoredMeta;
      if (typeof meta.version === "number") roster.version = meta.version;
      for (const [jid, request] of Object.entries(meta.pending ?? {})) {
        roster.pending.set(jid, request instanceof Element ? request : true);
      }
      continue;
    }
    const stored = value as StoredItem;
    const item: RosterItem = {
      subscription: SUBSCRIPTIONS.has(stored.subscription) ? (stored.subscription as Subscription) : "none",
      groups: {},
    };
    if (stored.ask === "subscribe") item.ask = "subscribe";
    if (typeof stored.name === "string") item.name = stored.name;
    for (const [group, member] of Object.entries(stored.groups ?? {})) if (member) item.groups[group] = true;
    roster.items.set(key, item);
  }
  return roster;
}

export function encodeRoster(roster: Roster): storage.Document {
  const document: Record<string, storage.StoredValue> = {};
  for (const [jid, item] of roster.items) {
    const stored: Record<string, storage.StoredValue> = {
      subscription: item.subscription,
      groups: { ...item.groups },
    };
    if (item.ask !== undefined) stored.ask = item.ask;
    if (item.name !== undefined) stored.name = item.name;
    document[jid] = stored;
  }
  const pending: Record<string, storage.StoredValue> = {};
  for (const [jid, request] of roster.pending) pending[jid] = request;
  document[META_KEY] = { version: roster.version, pending };
  return document;
}

/** Per-user queues, so that concurrent read-modify-write cycles on one roster don't lose updates. */
type LockTable = { locks?: Map<string, Promise<unknown>> };

/**
 * Access to the rosters of the module's host. Every IM module of a host shares the same lock table
 * (through `module.shared`), so their changes to one user's roster are applied one at a time.
 */
export class RosterStore {
  readonly #module: Module;
  readonly #store: storage.KeyvalStore;
  readonly #locks: Map<string, Promise<unknown>>;

  private constructor(module: Module, store: storage.KeyvalStore) {
    this.#module = module;
    this.#store = store;
    const table = module.shared<LockTable>("im/roster-locks");
    table.locks ??= new Map();
    this.#locks = table.locks;
  }

  static async open(module: Module): Promise<RosterStore> {
    return new RosterStore(module, await module.openStore("roster", "keyval"));
  }

  get host(): string {
    return this.#module.host;
  }

  async load(username: string): Promise<Roster> {
    await this.#locks.get(username);
    return decodeRoster(await this.#store.get(username));
  }

  /** Deletes the user's roster (account deletion). */
  delete(username: string): Promise<void> {
    return this.#queue(username, async () => {
      await this.#store.set(username, undefined);
    });
  }

  /**
   * Runs `change` on the user's roster and saves it when `change` returns true (bumping the
   * version). Resolves to `change`'s answer.
   */
  modify<T>(username: string, change: (roster: Roster) => T | Promise<T>): Promise<T> {
    return this.#queue(username, async () => {
      const roster = decodeRoster(await this.#store.get(username));
      const result = await change(roster);
      if (result) {
        roster.version += 1;
        await this.#store.set(username, encodeRoster(roster));
      }
      return result;
    });
  }

  #queue<T>(username: string, work: () => Promise<T>): Promise<T> {
    const previous = this.#locks.get(username) ?? Promise.resolve();
    const run = previous.then(work);
    const tail = run.catch(() => undefined);
    this.#locks.set(username, tail);
    void tail.then(() => {
      if (this.#locks.get(username) === tail) this.#locks.delete(username);
    });
    return run;
  }
}

/** Whether `contact` receives the user's presence (subscription `from` or `both`). */
export function contactIsSubscribed(item: RosterItem | undefined): boolean {
  return item?.subscription === "from" || item?.subscription === "both";
}

/** Whether the user receives `contact`'s presence (subscription `to` or `both`). */
export function userIsSubscribed(item: RosterItem | undefined): boolean {
  return item?.subscription === "to" || item?.subscription === "both";
}

/** The `<item/>` element of a roster result or push (RFC 6121 §2.1.2). */
export function itemElement(jid: string, item: RosterItem | undefined): Element {
  if (item === undefined) return new Element("item", { jid, subscription: "remove" });
  const attrs: Record<string, string> = { jid, subscription: item.subscription };
  if (item.ask !== undefined) attrs.ask = item.ask;
  if (item.name !== undefined) attrs.name = item.name;
  const element = new Element("item", attrs);
  for (const group of Object.keys(item.groups)) element.c("group").t(group);
  return element;
}
