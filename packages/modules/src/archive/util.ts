import type { Element } from "canto";

// Helpers shared by the archive-area modules (mam, carbons). Modules never import each other; they
// may import this.

export const NS_MAM = "urn:xmpp:mam:2";
export const NS_MAM_EXTENDED = "urn:xmpp:mam:2#extended";
export const NS_RSM = "http://jabber.org/protocol/rsm";
export const NS_FORWARD = "urn:xmpp:forward:0";
export const NS_DELAY = "urn:xmpp:delay";
export const NS_STANZA_ID = "urn:xmpp:sid:0";
export const NS_CHATSTATES = "http://jabber.org/protocol/chatstates";
export const NS_HINTS = "urn:xmpp:hints";
export const NS_CARBONS = "urn:xmpp:carbons:2";

/** The bare part of a JID the router already prepared. */
export function bareOf(jid: string): string {
  const slash = jid.indexOf("/");
  return slash < 0 ? jid : jid.slice(0, slash);
}

/** The resource of a prepared JID, `undefined` when it has none. */
export function resourceOf(jid: string): string | undefined {
  const slash = jid.indexOf("/");
  return slash < 0 ? undefined : jid.slice(slash + 1);
}

/** The localpart of a prepared bare JID on `host`, `undefined` when it is not a user of that host. */
export function localUser(jid: string, host: string): string | undefined {
  const bare = bareOf(jid);
  const at = bare.indexOf("@");
  if (at <= 0 || bare.slice(at + 1) !== host) return undefined;
  return bare.slice(0, at);
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
