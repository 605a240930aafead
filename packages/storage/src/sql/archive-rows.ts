import { decodeValue, type EncodedType, encodeValue } from "../codec.js";
import type { AppendItem, ArchiveItem, ArchiveSummary, Clock } from "../types.js";
import { setOwn } from "../util/plain.js";
import { validateArchiveKey, validateWhen, validateWith } from "../validate.js";

/** What the SQL drivers share between their archives: rows in, items out. */

/** An archive row as `ArchiveSql` selects it; server drivers may return numbers as strings. */
export interface ArchiveRow {
  key: string;
  when: number | string;
  with: string | null;
  type: string;
  value: string;
}

export function rowToItem(r: ArchiveRow): ArchiveItem {
  return { key: r.key, value: decodeValue(r.type, r.value), when: Number(r.when), with: r.with ?? undefined };
}

/** A row of `ArchiveSql.summary`. */
export interface SummaryRow {
  with: string | null;
  n: number | string;
  lo: number | string;
  hi: number | string;
}

/** Folds summary rows into `{ counts, earliest, latest }` keyed by `with` (`""` for none). */
export function summaryFromRows(rows: Iterable<SummaryRow>): ArchiveSummary {
  const out: ArchiveSummary = { counts: {}, earliest: {}, latest: {} };
  for (const r of rows) {
    const w = r.with ?? "";
    const [n, lo, hi] = [Number(r.n), Number(r.lo), Number(r.hi)];
    const seen = Object.hasOwn(out.counts, w);
    setOwn(out.counts, w, (seen ? out.counts[w]! : 0) + n);
    setOwn(out.earliest, w, seen ? Math.min(out.earliest[w]!, lo) : lo);
    setOwn(out.latest, w, seen ? Math.max(out.latest[w]!, hi) : hi);
  }
  return out;
}

export interface PreparedItem {
  key: string;
  when: number;
  with: string | undefined;
  type: EncodedType;
  text: string;
}

/** Checks and encodes items to append, giving each its key and time. Throws before anything is written. */
export function prepareItems(
  items: readonly AppendItem[],
  newKey: () => string,
  clock: Clock,
  maxValueSize: number,
): PreparedItem[] {
  return items.map((item) => ({
    key: item.key === undefined ? newKey() : validateArchiveKey(item.key),
    when: item.when === undefined ? clock() / 1000 : validateWhen(item.when),
    with: validateWith(item.with),
    ...encodeValue(item.value, maxValueSize),
  }));
}
