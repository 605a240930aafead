import { bareOf, type Element, errorReply, message, resourceOf, type Session } from "canto";
import { readHistoryRequest } from "./history.js";
import { cleanPresence, NS_MUC, occupantPresence } from "./presence.js";
import { defaultRole } from "./roles.js";
import type { Occupant, Room } from "./room.js";
import type { MucService } from "./service.js";

/** Presence to `room@service/nick`: enter, update, change nick or leave (§7.2, §7.6, §7.7, §7.14). */
export async function handlePresence(service: MucService, origin: Session, stanza: Element): Promise<true> {
  const to = stanza.attrs.to as string;
  const from = stanza.attrs.from as string;
  const roomJid = bareOf(to);
  const nick = resourceOf(to) ?? "";
  const type = stanza.attrs.type as string | undefined;
  if (type === "error") return true;
  let room = await service.getRoom(roomJid);
  const current = room?.occupantByJid(from);

  if (type === "unavailable") {
    if (room !== undefined && current !== undefined && current.sessions.size > 1) {
      // One of several sessions leaves: only it hears of it; the occupant stays for the others.
      const own = occupantPresence(room, current, current, { unavailable: true });
      room.removeSession(current, from);
      own.attrs.to = from;
      service.send(own);
      return true;
    }
    if (room !== undefined && current !== undefined) {
      const leaving = { ...current, presence: cleanPresence(stanza) };
      room.removeOccupant(current);
      service.broadcastPresence(room, leaving, { unavailable: true });
      service.fire("muc-occupant-left", { room, occupant: leaving, nick: leaving.nick, stanza });
      await service.maybeForget(room);
    }
    return true;
  }
  if (type !== undefined) {
    // Subscriptions and probes have no meaning for a room.
    return service.refuse(origin, stanza, {
      type: "modify",
      condition: "bad-request",
      text: "A room takes available and unavailable presence only",
    });
  }

  if (nick === "") {
    return service.refuse(origin, stanza, {
      type: "modify",
      condition: "jid-malformed",
      text: "A nickname is needed to enter a room (room@service/nick)",
    });
  }
  if ([...nick].length > service.options.maxNickLength) {
    return service.refuse(origin, stanza, {
      type: "modify",
      condition: "not-acceptable",
      text: `Nicknames are at most ${service.options.maxNickLength} characters here (muc_max_nick_length)`,
    });
  }

  if (room !== undefined && current !== undefined) {
    if (current.nick === nick) {
      current.presence = cleanPresence(stanza);
      service.broadcastPresence(room, current);
      return true;
    }
    return changeNick(service, room, current, nick, origin, stanza);
  }

  let created = false;
  if (room === undefined) {
    const tombstone = await service.tombstone(roomJid);
    if (tombstone !== undefined) {
      const text = `This room was destroyed${tombstone.reason ? `: ${tombstone.reason}` : ""}${tombstone.alternate ? `; it moved to ${tombstone.alternate}` : ""}`;
      const error = errorReply(stanza, "cancel", "gone", text, roomJid);
      // <gone/> holds the new address as an XMPP URI (RFC 6120 §8.3.3.5).
      if (tombstone.alternate !== undefined) {
        error
          .getChild("error")
          ?.getChild("gone", "urn:ietf:params:xml:ns:xmpp-stanzas")
          ?.t(`xmpp:${tombstone.alternate}?join`);
      }
      origin.send(error);
      return true;
    }
    const refusal = creationRefusal(service, from);
    if (refusal !== undefined)
      return service.refuse(origin, stanza, { type: "cancel", condition: "not-allowed", text: refusal });
    // A client that speaks XEP-0045 (its join has <x xmlns=muc/>) unlocks the room by configuring it.
    const locks = service.options.locking && stanza.getChild("x", NS_MUC) !== undefined;
    room = service.createRoom(roomJid, from, locks);
    created = true;
    service.fire("muc-room-created", { room, stanza, origin });
  }
  return enter(service, room, origin, stanza, nick, created);
}

function creationRefusal(service: MucService, from: string): string | undefined {
  const restrict = service.options.restrictCreation;
  if (restrict === false) return undefined;
  const admins = service.module.getOptionSet("admins") as Set<string> | undefined;
  if (admins?.has(bareOf(from))) return undefined;
  if (restrict === "local") {
    const domain = bareOf(from).split("@")[1] ?? "";
    const parent = service.module.host.split(".").slice(1).join(".");
    if (domain === parent) return undefined;
    return "Only users of this server may create rooms (restrict_room_creation)";
  }
  return "Only server admins may create rooms (restrict_room_creation)";
}

async function enter(
  service: MucService,
  room: Room,
  origin: Session,
  stanza: Element,
  nick: string,
  created: boolean,
): Promise<true> {
  const from = stanza.attrs.from as string;
  const affiliation = room.affiliation(from);
  const privileged = affiliation === "owner" || affiliation === "admin";
  if (room.locked && affiliation !== "owner") {
    return service.refuse(origin, stanza, {
      type: "cancel",
      condition: "item-not-found",
      text: "This room is locked until its owner configures it",
    });
  }
  if (affiliation === "outcast") {
    return service.refuse(origin, stanza, {
      type: "auth",
      condition: "forbidden",
      text: "You are banned from this room",
    });
  }
  const holder = room.occupants.get(nick);
  const sameAccount = holder !== undefined && holder.bareJid === bareOf(from);
  if (holder !== undefined && !sameAccount) {
    return service.refuse(origin, stanza, {
      type: "cancel",
      condition: "conflict",
      text: "That nickname is already in use in this room",
    });
  }
  if (room.config.membersOnly && affiliation === "none") {
    return service.refuse(origin, stanza, {
      type: "auth",
      condition: "registration-required",
      text: "This room is for members only",
    });
  }
  const x = stanza.getChild("x", NS_MUC);
  if (room.config.password !== "" && !privileged && x?.getChildText("password") !== room.config.password) {
    return service.refuse(origin, stanza, {
      type: "auth",
      condition: "not-authorized",
      text: "This room needs the right password",
    });
  }
  const limit =
    room.config.maxUsers === 0
      ? service.options.maxOccupants
      : Math.min(room.config.maxUsers, service.options.maxOccupants);
  if (holder !== undefined && sameAccount) {
    joinSession(service, room, holder, stanza);
    return true;
  }
  // Admins and owners enter a full room, up to the service's own limit (muc_max_occupants).
  if (room.occupants.size >= (privileged ? service.options.maxOccupants : limit)) {
    return service.refuse(origin, stanza, {
      type: "wait",
      condition: "service-unavailable",
      text: `This room is full (${limit} occupants)`,
    });
  }

  const occupant: Occupant = {
    nick,
    jid: from,
    sessions: new Set([from]),
    bareJid: bareOf(from),
    role: defaultRole(affiliation, room.config.moderated, room.config.membersOnly),
    occupantId: room.occupantIdOf(from),
    presence: cleanPresence(stanza),
  };
  const halted = await service.fire("muc-occupant-pre-join", { room, occupant, stanza, origin });
  if (halted !== undefined) return true;

  // First the occupants already there, then the newcomer's presence to all, its own copy last.
  for (const other of room.occupants.values())
    service.deliver(occupant, occupantPresence(room, other, occupant));
  room.addOccupant(occupant);
  const codes = created ? [201] : [];
  service.broadcastPresence(room, occupant, { selfCodes: codes, codes: [] });

  // A room just created has no history; until it is configured it holds only its owner.
  if (!created) sendHistory(service, room, from, x);
  sendSubject(service, room, from);
  service.fire("muc-occupant-joined", { room, occupant, nick, stanza });
  return true;
}

function sendHistory(service: MucService, room: Room, to: string, x: Element | undefined): void {
  for (const old of room.history.select(readHistoryRequest(x), service.now(), room.jid)) {
    old.attrs.to = to;
    service.send(old);
  }
}

/** The subject comes last, also when there is none (§7.2.15). */
function sendSubject(service: MucService, room: Room, to: string): void {
  const subject = message({
    from: room.subject === undefined ? room.jid : room.subject.from,
    to,
    type: "groupchat",
  });
  subject.c("subject").t(room.subject?.text ?? "");
  service.send(subject);
}

/**
 * Another session of an occupant's account joins with the same nick: it becomes part of that
 * occupant and gets the room as a newcomer would; the others see no change.
 */
function joinSession(service: MucService, room: Room, occupant: Occupant, stanza: Element): void {
  const from = stanza.attrs.from as string;
  for (const other of room.occupants.values()) {
    if (other === occupant) continue;
    const copy = occupantPresence(room, other, occupant);
    copy.attrs.to = from;
    service.send(copy);
  }
  room.addSession(occupant, from);
  const own = occupantPresence(room, occupant, occupant);
  own.attrs.to = from;
  service.send(own);
  sendHistory(service, room, from, stanza.getChild("x", NS_MUC));
  sendSubject(service, room, from);
}

function changeNick(
  service: MucService,
  room: Room,
  occupant: Occupant,
  nick: string,
  origin: Session,
  stanza: Element,
): true {
  const holder = room.occupants.get(nick);
  if (holder !== undefined) {
    return service.refuse(origin, stanza, {
      type: "cancel",
      condition: "conflict",
      text: "That nickname is already in use in this room",
    });
  }
  room.removeOccupant(occupant);
  service.broadcastPresence(room, occupant, {
    unavailable: true,
    codes: [303],
    detail: { nick },
    role: occupant.role,
  });
  // Everyone gets the old nick's unavailable; the occupant too, who is out of the map by now.
  const renamed: Occupant = { ...occupant, nick, presence: cleanPresence(stanza) };
  room.addOccupant(renamed);
  service.broadcastPresence(room, renamed);
  return true;
}
