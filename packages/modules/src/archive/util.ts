import { domainOf, type Element, NS, nodeOf } from "canto";

// Helpers shared by the archive-area modules (mam, carbons). Modules never import each other; they
// may import this.

// Short names for the archive area; the strings are @canto/stanza's NS table.
export const NS_MAM = NS.mam;
export const NS_MAM_EXTENDED = NS.mam_extended;
export const NS_RSM = NS.rsm;
export const NS_FORWARD = NS.forward;
export const NS_DELAY = NS.delay;
export const NS_STANZA_ID = NS.stanza_id;
export const NS_CHATSTATES = NS.chatstates;
export const NS_HINTS = NS.hints;
export const NS_CARBONS = NS.carbons;

export { bareOf, resourceOf } from "canto";

/** The localpart of a prepared JID on `host`, `undefined` when it is not a user of that host. */
export function localUser(jid: string, host: string): string | undefined {
  return domainOf(jid) === host ? nodeOf(jid) : undefined;
}

/** The message type as RFC 6121 §5.2.2 reads it: absent means `normal`. */
export function messageType(stanza: Element): string {
  return (stanza.attrs.type as string | undefined) ?? "normal";
}

export function hasChild(stanza: Element, name: string, xmlns: string): boolean {
  return stanza.getChild(name, xmlns) !== undefined;
}

/** XEP-0082 date-time; whole seconds are written without fractions, as most servers do. */
export function timestamp(seconds: number): string {
  return new Date(seconds * 1000).toISOString().replace(".000Z", "Z");
}

const DATETIME = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)$/;

/** Parses an XEP-0082 date-time into seconds since the epoch; `undefined` when it is not one. */
export function parseTimestamp(text: string): number | undefined {
  const trimmed = text.trim();
  if (!DATETIME.test(trimmed)) return undefined;
  const ms = Date.parse(trimmed);
  return Number.isNaN(ms) ? undefined : ms / 1000;
}
