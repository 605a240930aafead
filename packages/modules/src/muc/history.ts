import { clone, type Element } from "canto";

const NS_DELAY = "urn:xmpp:delay";

/** One remembered groupchat message: the stanza as broadcast (`to` removed) and when it was sent. */
export interface HistoryEntry {
  stanza: Element;
  /** Seconds since the epoch. */
  when: number;
  /** Characters of the stanza as sent, what `maxchars` counts (§7.2.15). */
  chars: number;
}

/** What a joining client asked for in `<history/>`; absent limits are `undefined`. */
export interface HistoryRequest {
  maxStanzas?: number;
  maxChars?: number;
  seconds?: number;
  /** Seconds since the epoch. */
  since?: number;
}

function nonNegative(value: unknown): number | undefined {
  if (typeof value !== "string" || !/^\d+$/.test(value)) return undefined;
  return Number(value);
}

/** Reads `<history/>` from the join's `<x xmlns=muc/>`; malformed attributes are ignored. */
export function readHistoryRequest(x: Element | undefined): HistoryRequest {
  const history = x?.getChild("history");
  if (history === undefined) return {};
  const request: HistoryRequest = {};
  const maxStanzas = nonNegative(history.attrs.maxstanzas);
  if (maxStanzas !== undefined) request.maxStanzas = maxStanzas;
  const maxChars = nonNegative(history.attrs.maxchars);
  if (maxChars !== undefined) request.maxChars = maxChars;
  const seconds = nonNegative(history.attrs.seconds);
  if (seconds !== undefined) request.seconds = seconds;
  const since = typeof history.attrs.since === "string" ? Date.parse(history.attrs.since) : Number.NaN;
  if (!Number.isNaN(since)) request.since = since / 1000;
  return request;
}

/** A room's recent messages, oldest first, never longer than the room's history length. */
export class RoomHistory {
  entries: HistoryEntry[] = [];

  add(stanza: Element, when: number, length: number): void {
    if (length <= 0) {
      this.entries.length = 0;
      return;
    }
    const stored = clone(stanza);
    delete stored.attrs.to;
    this.entries.push({ stanza: stored, when, chars: stored.toString().length });
    this.trim(length);
  }

  trim(length: number): void {
    if (this.entries.length > length) this.entries.splice(0, this.entries.length - length);
  }

  /**
   * The entries a joining client gets: the newest that fit every limit it gave, oldest first,
   * each with a `<delay/>` stamped by the room (XEP-0203).
   */
  select(request: HistoryRequest, now: number, roomJid: string): Element[] {
    const picked: Element[] = [];
    let chars = 0;
    for (let i = this.entries.length - 1; i >= 0; i--) {
      const entry = this.entries[i]!;
      if (request.maxStanzas !== undefined && picked.length >= request.maxStanzas) break;
      if (request.seconds !== undefined && entry.when < now - request.seconds) break;
      if (request.since !== undefined && entry.when <= request.since) break;
      const copy = clone(entry.stanza);
      copy.c("delay", { xmlns: NS_DELAY, from: roomJid, stamp: new Date(entry.when * 1000).toISOString() });
      if (request.maxChars !== undefined) {
        chars += copy.toString().length;
        if (chars > request.maxChars) break;
      }
      picked.push(copy);
    }
    return picked.reverse();
  }
}
