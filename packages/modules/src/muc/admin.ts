import { bareOf, type Element, prepJid, reply, type Session } from "canto";
import type { Affiliation, Role } from "./roles.js";
import {
  affiliationChangeRefusal,
  affiliationRank,
  isAffiliation,
  isRole,
  type Refusal,
  roleChangeRefusal,
} from "./roles.js";
import type { Room } from "./room.js";
import type { MucService } from "./service.js";

export const NS_MUC_ADMIN = "http://jabber.org/protocol/muc#admin";

type Change =
  | { kind: "role"; nick: string; role: Role; reason?: string }
  | { kind: "affiliation"; jid: string; affiliation: Affiliation; reason?: string };

const bad = (text: string): Refusal => ({ type: "modify", condition: "bad-request", text });

/** `muc#admin` IQs (§8, §9, §10): list by role or affiliation, change roles and affiliations. */
export async function handleAdmin(
  service: MucService,
  room: Room,
  origin: Session,
  stanza: Element,
): Promise<true> {
  const from = stanza.attrs.from as string;
  const query = stanza.getChild("query", NS_MUC_ADMIN)!;
  const items = query.getChildren("item");
  const actorAffiliation = room.affiliation(from);
  const actor = room.occupantByJid(from);
  if (items.length === 0)
    return service.refuse(origin, stanza, bad("A muc#admin query holds at least one item"));

  if (stanza.attrs.type === "get") {
    const item = items[0]!;
    const answer = reply(stanza);
    const out = answer.c("query", { xmlns: NS_MUC_ADMIN });
    const { affiliation, role } = item.attrs as { affiliation?: string; role?: string };
    if (isAffiliation(affiliation) && affiliation !== "none") {
      if (affiliationRank(actorAffiliation) < affiliationRank("admin")) {
        return service.refuse(origin, stanza, {
          type: "auth",
          condition: "forbidden",
          text: "Only admins and owners list affiliations",
        });
      }
      for (const [jid, a] of room.affiliations) if (a === affiliation) out.c("item", { affiliation: a, jid });
    } else if (isRole(role) && role !== "none") {
      if (actor?.role !== "moderator") {
        return service.refuse(origin, stanza, {
          type: "auth",
          condition: "forbidden",
          text: "Only moderators list roles",
        });
      }
      for (const o of room.occupants.values()) {
        if (o.role === role)
          out.c("item", { nick: o.nick, role: o.role, affiliation: room.affiliation(o.jid), jid: o.jid });
      }
    } else {
      return service.refuse(
        origin,
        stanza,
        bad("List an affiliation (owner, admin, member, outcast) or a role"),
      );
    }
    origin.send(answer);
    return true;
  }

  // Every item is checked before any is applied, so a refused batch changes nothing (§9.1).
  const changes: Change[] = [];
  for (const item of items) {
    const reason = item.getChildText("reason") ?? undefined;
    const { nick, jid, role, affiliation } = item.attrs as Record<string, string | undefined>;
    if (role !== undefined && affiliation === undefined) {
      if (!isRole(role)) return service.refuse(origin, stanza, bad(`Unknown role ${role}`));
      if (nick === undefined)
        return service.refuse(origin, stanza, bad("A role change names the occupant's nick"));
      const target = room.occupants.get(nick);
      if (target === undefined) {
        return service.refuse(origin, stanza, {
          type: "cancel",
          condition: "item-not-found",
          text: `No occupant is called ${nick}`,
        });
      }
      const refusal = roleChangeRefusal(
        { affiliation: actorAffiliation, role: actor?.role ?? "none" },
        { affiliation: room.affiliation(target.jid), role: target.role },
        role,
      );
      if (refusal !== undefined) return service.refuse(origin, stanza, refusal);
      changes.push({ kind: "role", nick, role, reason });
    } else if (affiliation !== undefined) {
      if (!isAffiliation(affiliation))
        return service.refuse(origin, stanza, bad(`Unknown affiliation ${affiliation}`));
      let target = jid;
      if (target === undefined && nick !== undefined) target = room.occupants.get(nick)?.jid;
      if (target === undefined)
        return service.refuse(origin, stanza, bad("An affiliation change names a jid"));
      let bare: string;
      try {
        bare = bareOf(prepJid(target));
      } catch {
        return service.refuse(origin, stanza, {
          type: "modify",
          condition: "jid-malformed",
          text: `Not a JID: ${target}`,
        });
      }
      const refusal = affiliationChangeRefusal(actorAffiliation, room.affiliation(bare), affiliation);
      if (refusal !== undefined) return service.refuse(origin, stanza, refusal);
      changes.push({ kind: "affiliation", jid: bare, affiliation, reason });
    } else {
      return service.refuse(origin, stanza, bad("An item changes a role or an affiliation"));
    }
  }
  // The room never loses its last owner (§10.6, §10.7).
  const owners = new Set(room.owners());
  for (const change of changes) {
    if (change.kind !== "affiliation") continue;
    if (change.affiliation === "owner") owners.add(change.jid);
    else owners.delete(change.jid);
  }
  if (owners.size === 0 && room.owners().length > 0) {
    return service.refuse(origin, stanza, {
      type: "cancel",
      condition: "conflict",
      text: "A room keeps at least one owner",
    });
  }

  for (const change of changes) {
    const detail = { actor: actor?.nick, reason: change.reason };
    if (change.kind === "role") {
      const target = room.occupants.get(change.nick);
      if (target !== undefined) service.setRole(room, target, change.role, detail);
    } else {
      service.setAffiliation(room, change.jid, change.affiliation, detail);
    }
  }
  if (changes.some((c) => c.kind === "affiliation")) await service.save(room);
  origin.send(reply(stanza));
  await service.maybeForget(room);
  return true;
}
