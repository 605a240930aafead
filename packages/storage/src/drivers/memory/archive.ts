import { decodeValue, type EncodedType, encodeValue } from "../../codec.js";
import { ItemNotFoundError, QuotaLimitError } from "../../errors.js";
import type {
  AppendItem,
  ArchiveCaps,
  ArchiveDeleteQuery,
  ArchiveItem,
  ArchiveQuery,
  ArchiveStore,
  ArchiveSummary,
  Clock,
  FindResult,
  StoredValue,
  User,
} from "../../types.js";
import { archiveCaps } from "../../util/archive-caps.js";
import { findResult } from "../../util/find-result.js";
import type { Lifecycle } from "../../util/lifecycle.js";
import { setOwn } from "../../util/plain.js";
import {
  validateArchiveKey,
  validateQuery,
  validateUser,
  validateWhen,
  validateWith,
} from "../../validate.js";

interface Entry {
  seq: number;
  key: string;
  type: EncodedType;
  text: string;
  when: number;
  with: string | undefined;
}

/** The items of one (host, store), shared by every handle opened on it. */
export interface MemoryArchiveData {
  users: Map<string, UserArchive>;
  seq: number;
}

class UserArchive {
  items: Entry[] = [];
  byKey = new Map<string, Entry>();

  indexOf(entry: Entry): number {
    // items are sorted by seq: binary search
    let lo = 0;
    let hi = this.items.length - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1;
      const s = this.items[mid]!.seq;
      if (s === entry.seq) return mid;
      if (s < entry.seq) lo = mid + 1;
      else hi = mid - 1;
    }
    return -1;
  }

  remove(entry: Entry): void {
    const i = this.indexOf(entry);
    if (i >= 0) this.items.splice(i, 1);
    this.byKey.delete(entry.key);
  }
}

function matches(e: Entry, q: ArchiveQuery & ArchiveDeleteQuery, ids: Set<string> | undefined): boolean {
  if (q.start !== undefined && e.when < q.start) return false;
  if (q.end !== undefined && e.when > q.end) return false;
  if (q.with !== undefined && e.with !== q.with) return false;
  if (q.key !== undefined && e.key !== q.key) return false;
  if (ids && !ids.has(e.key)) return false;
  return true;
}

function toItem(e: Entry): ArchiveItem {
  return { key: e.key, value: decodeValue(e.type, e.text), when: e.when, with: e.with };
}

/** A memory archive: arrays in archive order, with a key index. Values are kept encoded (copies). */
export class MemoryArchive implements ArchiveStore {
  readonly caps: ArchiveCaps;
  readonly #data: MemoryArchiveData;

  constructor(
    data: MemoryArchiveData,
    private readonly life: Lifecycle,
    private readonly clock: Clock,
    private readonly newKey: () => string,
    private readonly itemLimit: number | undefined,
    private readonly maxValueSize: number,
  ) {
    this.#data = data;
    this.caps = archiveCaps(itemLimit);
  }

  static data(): MemoryArchiveData {
    return { users: new Map(), seq: 0 };
  }

  #archive(user: User, create: true): UserArchive;
  #archive(user: User, create: false): UserArchive | undefined;
  #archive(user: User, create: boolean): UserArchive | undefined {
    const k = user ?? "";
    let a = this.#data.users.get(k);
    if (!a && create) {
      a = new UserArchive();
      this.#data.users.set(k, a);
    }
    return a;
  }

  #prepare(item: AppendItem): Entry {
    const key = item.key === undefined ? this.newKey() : validateArchiveKey(item.key);
    const when = item.when === undefined ? this.clock() / 1000 : validateWhen(item.when);
    const { type, text } = encodeValue(item.value, this.maxValueSize);
    return { seq: 0, key, type, text, when, with: validateWith(item.with) };
  }

  #insert(a: UserArchive, entry: Entry): void {
    const old = a.byKey.get(entry.key);
    if (old) a.remove(old);
    else if (this.itemLimit !== undefined && a.items.length >= this.itemLimit)
      throw new QuotaLimitError(this.itemLimit);
    entry.seq = ++this.#data.seq;
    a.items.push(entry);
    a.byKey.set(entry.key, entry);
  }

  async append(
    user: User,
    key: string | undefined,
    value: StoredValue,
    when?: number,
    with_?: string,
  ): Promise<string> {
    const [k] = await this.appendMany(user, [{ key, value, when, with: with_ }]);
    return k!;
  }

  async appendMany(user: User, items: readonly AppendItem[]): Promise<string[]> {
    this.life.check();
    validateUser(user);
    const entries = items.map((item) => this.#prepare(item));
    const a = this.#archive(user, true);
    if (this.itemLimit !== undefined) {
      const fresh = new Set(entries.map((e) => e.key).filter((k) => !a.byKey.has(k)));
      if (a.items.length + fresh.size > this.itemLimit) throw new QuotaLimitError(this.itemLimit);
    }
    for (const e of entries) this.#insert(a, e);
    return entries.map((e) => e.key);
  }

  #position(a: UserArchive | undefined, key: string | undefined): number | undefined {
    if (key === undefined) return undefined;
    const e = a?.byKey.get(key);
    if (!e) throw new ItemNotFoundError(`no archived item with key ${JSON.stringify(key)}`);
    return e.seq;
  }

  #select(user: User, q: ArchiveQuery & ArchiveDeleteQuery): { all: Entry[]; ranged: Entry[] } {
    const a = this.#archive(user, false);
    const after = this.#position(a, q.after);
    const before = this.#position(a, q.before);
    const ids = q.ids ? new Set(q.ids) : undefined;
    const all = (a?.items ?? []).filter((e) => matches(e, q, ids));
    const ranged = all.filter(
      (e) => (after === undefined || e.seq > after) && (before === undefined || e.seq < before),
    );
    return { all, ranged };
  }

  async find(user: User, query?: ArchiveQuery): Promise<FindResult> {
    this.life.check();
    validateUser(user);
    const q = validateQuery<ArchiveQuery>(query);
    const { all, ranged } = this.#select(user, q);
    let page = q.reverse ? ranged.reverse() : ranged;
    if (q.limit !== undefined) page = page.slice(0, q.limit);
    return findResult(page.map(toItem), q.total ? all.length : undefined);
  }

  async get(user: User, key: string): Promise<ArchiveItem | undefined> {
    this.life.check();
    validateUser(user);
    validateArchiveKey(key);
    const e = this.#archive(user, false)?.byKey.get(key);
    return e ? toItem(e) : undefined;
  }

  async set(user: User, key: string, value: StoredValue, when?: number, with_?: string): Promise<void> {
    this.life.check();
    validateUser(user);
    validateArchiveKey(key);
    const { type, text } = encodeValue(value, this.maxValueSize);
    const w = when === undefined ? undefined : validateWhen(when);
    const wi = validateWith(with_);
    const e = this.#archive(user, false)?.byKey.get(key);
    if (!e) throw new ItemNotFoundError(`no archived item with key ${JSON.stringify(key)}`);
    e.type = type;
    e.text = text;
    if (w !== undefined) e.when = w;
    if (wi !== undefined) e.with = wi;
  }

  async delete(user: User, query?: ArchiveDeleteQuery): Promise<number> {
    this.life.check();
    validateUser(user);
    const q = validateQuery<ArchiveDeleteQuery>(query);
    const a = this.#archive(user, false);
    if (!a) {
      if (q.before !== undefined || q.after !== undefined) this.#position(a, q.before ?? q.after);
      return 0;
    }
    let { ranged } = this.#select(user, q);
    if (q.truncate !== undefined) {
      // keep the `truncate` newest (oldest with reverse)
      ranged = q.reverse
        ? ranged.slice(q.truncate)
        : ranged.slice(0, Math.max(0, ranged.length - q.truncate));
    }
    if (ranged.length === a.items.length) {
      a.items = [];
      a.byKey.clear();
    } else {
      const doomed = new Set(ranged);
      a.items = a.items.filter((e) => !doomed.has(e));
      for (const e of ranged) a.byKey.delete(e.key);
    }
    if (a.items.length === 0) this.#data.users.delete(user ?? "");
    return ranged.length;
  }

  async summary(user: User, query?: ArchiveQuery): Promise<ArchiveSummary> {
    this.life.check();
    validateUser(user);
    const q = validateQuery<ArchiveQuery>(query);
    const { ranged } = this.#select(user, q);
    const out: ArchiveSummary = { counts: {}, earliest: {}, latest: {} };
    for (const e of ranged) {
      const w = e.with ?? "";
      setOwn(out.counts, w, (out.counts[w] ?? 0) + 1);
      if (!Object.hasOwn(out.earliest, w) || e.when < out.earliest[w]!) setOwn(out.earliest, w, e.when);
      if (!Object.hasOwn(out.latest, w) || e.when > out.latest[w]!) setOwn(out.latest, w, e.when);
    }
    return out;
  }

  async *users(): AsyncIterable<string> {
    this.life.check();
    for (const [user, a] of this.#data.users) if (user !== "" && a.items.length > 0) yield user;
  }
}
