import { Element } from "@canto/stanza";
import type { ArchiveStore, KeyvalStore, StoredValue } from "@canto/storage";

/** One published item as the engine keeps it. `when` is in seconds since the epoch. */
export interface PubsubItem {
  id: string;
  /** The payload element; absent for a notification-only item. */
  payload: Element | undefined;
  /** The bare JID of who published it. */
  publisher: string | undefined;
  when: number;
}

/** A page of items, newest first, with what XEP-0059 reports. */
export interface ItemPage {
  items: PubsubItem[];
  /** How many items the node holds. */
  count: number;
}

/** A page request: `after`/`before` are item ids (XEP-0059 cursors over the newest-first list). */
export interface PageQuery {
  max?: number | undefined;
  after?: string | undefined;
  /** `""` asks for the last page (the oldest items). */
  before?: string | undefined;
}

/** Where a node's items live: an archive (persistent) or memory (`persist_items` false). */
export interface ItemStore {
  put(item: PubsubItem): Promise<void>;
  get(id: string): Promise<PubsubItem | undefined>;
  delete(id: string): Promise<boolean>;
  clear(): Promise<void>;
  /** Keeps the `max` newest items. */
  trim(max: number): Promise<void>;
  page(query: PageQuery): Promise<ItemPage>;
}

interface StoredItem {
  payload?: Element;
  publisher?: string;
}

function decode(id: string, value: StoredValue, when: number): PubsubItem {
  const v = (value ?? {}) as StoredItem;
  return {
    id,
    payload: v.payload instanceof Element ? v.payload : undefined,
    publisher: typeof v.publisher === "string" ? v.publisher : undefined,
    when,
  };
}

/** Items in an archive store, under archive user `user` (one per node). */
export function archiveItems(archive: ArchiveStore, user: string): ItemStore {
  return {
    async put(item) {
      const value: Record<string, StoredValue> = {};
      if (item.payload) value.payload = item.payload;
      if (item.publisher !== undefined) value.publisher = item.publisher;
      await archive.append(user, item.id, value, item.when);
    },
    async get(id) {
      const found = await archive.get(user, id);
      return found && decode(found.key, found.value, found.when);
    },
    async delete(id) {
      return (await archive.delete(user, { key: id })) > 0;
    },
    async clear() {
      await archive.delete(user, {});
    },
    async trim(max) {
      if (max === Number.POSITIVE_INFINITY) return;
      await archive.delete(user, { truncate: max });
    },
    async page({ max, after, before }) {
      const limit = max === undefined || max === Number.POSITIVE_INFINITY ? undefined : max;
      let result: Awaited<ReturnType<ArchiveStore["find"]>>;
      let items: PubsubItem[];
      if (before !== undefined) {
        // Newer than the cursor (or the oldest page), nearest first: read forwards and turn round.
        result = await archive.find(user, {
          ...(before === "" ? {} : { after: before }),
          ...(limit === undefined ? {} : { limit }),
          total: true,
        });
        items = result.items.map((i) => decode(i.key, i.value, i.when)).reverse();
      } else {
        result = await archive.find(user, {
          reverse: true,
          ...(after === undefined ? {} : { before: after }),
          ...(limit === undefined ? {} : { limit }),
          total: true,
        });
        items = result.items.map((i) => decode(i.key, i.value, i.when));
      }
      return { items, count: result.total ?? items.length };
    },
  };
}

/** A page of `list` (oldest first), newest first. */
function pageOf(list: readonly PubsubItem[], { max, after, before }: PageQuery): ItemPage {
  const newest = [...list].reverse();
  const limit = max ?? Number.POSITIVE_INFINITY;
  let items: PubsubItem[];
  if (before !== undefined) {
    const end = before === "" ? newest.length : newest.findIndex((i) => i.id === before);
    const stop = Math.max(end, 0);
    items = newest.slice(Math.max(0, stop - limit), stop);
  } else {
    const start = after === undefined ? 0 : newest.findIndex((i) => i.id === after) + 1;
    items = start <= 0 && after !== undefined ? [] : newest.slice(start, start + limit);
  }
  return { items, count: list.length };
}

/**
 * An item store over a list that `load`/`save` keep (oldest first); re-publishing an id moves it
 * to the end, as the archive does.
 */
function listItems(
  load: () => Promise<PubsubItem[]>,
  save: (list: PubsubItem[]) => Promise<void>,
): ItemStore {
  return {
    async put(item) {
      const list = (await load()).filter((i) => i.id !== item.id);
      list.push(item);
      await save(list);
    },
    async get(id) {
      return (await load()).find((i) => i.id === id);
    },
    async delete(id) {
      const list = await load();
      const kept = list.filter((i) => i.id !== id);
      if (kept.length === list.length) return false;
      await save(kept);
      return true;
    },
    async clear() {
      await save([]);
    },
    async trim(max) {
      const list = await load();
      if (list.length > max) await save(list.slice(list.length - max));
    },
    async page(query) {
      return pageOf(await load(), query);
    },
  };
}

/** Items kept in memory only: they do not outlive the process (a node with `persist_items` false). */
export function memoryItems(): ItemStore {
  let list: PubsubItem[] = [];
  return listItems(
    async () => list,
    async (next) => {
      list = next;
    },
  );
}

/**
 * Items as one keyval document per node (user `user`), for drivers without archives (Redis):
 * fine for the bounded `max_items` of pubsub nodes, as each change rewrites the node's list.
 */
export function keyvalItems(store: KeyvalStore, user: string): ItemStore {
  return listItems(
    async () => {
      const doc = (await store.get(user)) as { items?: Record<string, StoredValue>[] } | undefined;
      return (doc?.items ?? []).map((raw) => ({
        ...decode(String(raw.id), raw, typeof raw.when === "number" ? raw.when : 0),
      }));
    },
    async (list) => {
      if (list.length === 0) {
        await store.set(user, undefined);
        return;
      }
      const items = list.map((i) => {
        const value: Record<string, StoredValue> = { id: i.id, when: i.when };
        if (i.payload) value.payload = i.payload;
        if (i.publisher !== undefined) value.publisher = i.publisher;
        return value;
      });
      await store.set(user, { items });
    },
  );
}
