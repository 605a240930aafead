import { clone, Element, presence } from "canto";
import type { Affiliation, Role } from "./roles.js";
import type { Occupant, Room } from "./room.js";

export const NS_MUC = "http://jabber.org/protocol/muc";
export const NS_MUC_USER = "http://jabber.org/protocol/muc#user";
export const NS_OCCUPANT_ID = "urn:xmpp:occupant-id:0";

/** Drops what only the room may write in a stanza it passes on (a forged occupant id), then adds the occupant's. */
export function stampOccupantId(stanza: Element, occupantId: string): void {
  stanza.children = stanza.children.filter(
    (c) => typeof c === "string" || !c.is("occupant-id", NS_OCCUPANT_ID),
  );
  stanza.c("occupant-id", { xmlns: NS_OCCUPANT_ID, id: occupantId });
}

/** Extra detail of an `<item/>`: a new nick (303), who acted and why (kick, ban). */
export interface ItemDetail {
  nick?: string;
  actor?: string;
  reason?: string;
}

/** Removes what a client put in its presence that the room writes itself. */
export function cleanPresence(stanza: Element): Element {
  const copy = clone(stanza);
  copy.children = copy.children.filter(
    (c) =>
      typeof c === "string" ||
      (c.attrs.xmlns !== NS_MUC && c.attrs.xmlns !== NS_MUC_USER && c.attrs.xmlns !== NS_OCCUPANT_ID),
  );
  delete copy.attrs.to;
  delete copy.attrs.from;
  delete copy.attrs.id;
  return copy;
}

/** The `<x xmlns=muc#user/>` of an occupant's presence, as `viewer` sees it. */
export function userX(
  room: Room,
  subject: { affiliation: Affiliation; role: Role; jid?: string },
  viewer: Occupant | undefined,
  codes: readonly number[],
  detail: ItemDetail = {},
  self = false,
): Element {
  const x = new Element("x", { xmlns: NS_MUC_USER });
  const attrs: Record<string, string> = { affiliation: subject.affiliation, role: subject.role };
  if (subject.jid !== undefined && (self || room.seesRealJids(viewer))) attrs.jid = subject.jid;
  if (detail.nick !== undefined) attrs.nick = detail.nick;
  const item = x.c("item", attrs);
  if (detail.actor !== undefined) item.c("actor", { nick: detail.actor });
  if (detail.reason !== undefined) item.c("reason").t(detail.reason);
  for (const code of new Set(codes)) x.c("status", { code: String(code) });
  return x;
}

/** Codes every self-presence carries: 110, and 100 in a room that shows real JIDs (§7.2.3). */
export function selfCodes(room: Room, codes: readonly number[]): number[] {
  const all = [110, ...codes];
  if (room.config.whois === "anyone") all.push(100);
  return all;
}

/**
 * The presence of `occupant` as `viewer` gets it: its last presence (or unavailable), from its
 * occupant JID, with the item and status codes (self codes added when it is the viewer's own).
 */
export function occupantPresence(
  room: Room,
  occupant: Occupant,
  viewer: Occupant,
  options: { unavailable?: boolean; codes?: readonly number[]; detail?: ItemDetail; role?: Role } = {},
): Element {
  const self = viewer.jid === occupant.jid;
  const stanza = options.unavailable ? presence({ type: "unavailable" }) : clone(occupant.presence);
  stanza.attrs.from = room.occupantJid(occupant.nick);
  stanza.attrs.to = viewer.jid;
  const codes = self ? selfCodes(room, options.codes ?? []) : [...(options.codes ?? [])];
  const role = options.role ?? (options.unavailable ? "none" : occupant.role);
  stanza.c("occupant-id", { xmlns: NS_OCCUPANT_ID, id: occupant.occupantId });
  stanza.cnode(
    userX(
      room,
      { affiliation: room.affiliation(occupant.jid), role, jid: occupant.jid },
      viewer,
      codes,
      options.detail,
      self,
    ),
  );
  return stanza;
}
