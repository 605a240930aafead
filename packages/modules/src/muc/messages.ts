import { bareOf, clone, type Element, message, resourceOf, type Session } from "canto";
import { NS_MUC_USER, stampOccupantId } from "./presence.js";
import type { Room } from "./room.js";
import type { MucService } from "./service.js";
import { handleVoiceRequest, voiceRequestForm } from "./voice.js";

const NS_CONFERENCE = "jabber:x:conference";

/** A message to the room's bare JID: groupchat, subject change, invitation or decline (§7.4, §7.8, §8.1). */
export async function handleRoomMessage(
  service: MucService,
  room: Room,
  origin: Session,
  stanza: Element,
): Promise<true> {
  const from = stanza.attrs.from as string;
  const type = stanza.attrs.type;
  if (type === "error") return true;
  const occupant = room.occupantByJid(from);
  if (type === "groupchat") {
    if (occupant === undefined) {
      return service.refuse(origin, stanza, {
        type: "cancel",
        condition: "not-acceptable",
        text: "You are not in this room",
      });
    }
    const subject = stanza.getChild("subject");
    if (subject !== undefined && stanza.getChild("body") === undefined) {
      const may = occupant.role === "moderator" || (room.config.changeSubject && occupant.role !== "visitor");
      if (!may) {
        return service.refuse(origin, stanza, {
          type: "auth",
          condition: "forbidden",
          text: "You may not change the subject of this room",
        });
      }
      const text = subject.getText();
      if ([...text].length > service.options.maxSubjectLength) {
        return service.refuse(origin, stanza, {
          type: "modify",
          condition: "not-acceptable",
          text: `Subjects are at most ${service.options.maxSubjectLength} characters here (muc_max_subject_length)`,
        });
      }
      room.subject = text === "" ? undefined : { text, from: room.occupantJid(occupant.nick) };
      await service.save(room);
      const out = message({ from: room.occupantJid(occupant.nick), type: "groupchat" });
      out.c("subject").t(text);
      stampOccupantId(out, occupant.occupantId);
      service.broadcastMessage(room, out);
      return true;
    }
    if (occupant.role === "visitor" || occupant.role === "none") {
      return service.refuse(origin, stanza, {
        type: "auth",
        condition: "forbidden",
        text: "You have no voice in this moderated room",
      });
    }
    const out = clone(stanza);
    out.attrs.from = room.occupantJid(occupant.nick);
    delete out.attrs.to;
    stampOccupantId(out, occupant.occupantId);
    const halted = await service.fire("muc-occupant-groupchat", { room, occupant, stanza: out, origin });
    if (halted !== undefined) return true;
    await service.fire("muc-broadcast-message", { room, occupant, stanza: out, origin });
    if (out.getChild("body") !== undefined || out.getChild("subject") !== undefined) {
      room.history.add(out, service.now(), room.config.historyLength);
    }
    service.broadcastMessage(room, out);
    return true;
  }
  const request = voiceRequestForm(stanza);
  if (request !== undefined) return handleVoiceRequest(service, room, origin, stanza, request);
  const x = stanza.getChild("x", NS_MUC_USER);
  const invites = x?.getChildren("invite") ?? [];
  if (invites.length > 0) return invite(service, room, origin, stanza, invites);
  const decline = x?.getChild("decline");
  if (decline !== undefined) {
    const to = decline.attrs.to as string | undefined;
    if (to === undefined)
      return service.refuse(origin, stanza, {
        type: "modify",
        condition: "bad-request",
        text: "A decline names whom it answers (to)",
      });
    const out = message({ from: room.jid, to });
    const dx = out.c("x", { xmlns: NS_MUC_USER }).c("decline", { from: bareOf(from) });
    const reason = decline.getChildText("reason");
    if (reason !== null && reason !== undefined) dx.c("reason").t(reason);
    service.send(out);
    return true;
  }
  return service.refuse(origin, stanza, {
    type: "modify",
    condition: "bad-request",
    text: "Messages to a room are groupchat, invitations or declines",
  });
}

/** Mediated invitations (§7.8.2): the room passes each on, with the password, from the inviter. */
function invite(service: MucService, room: Room, origin: Session, stanza: Element, invites: Element[]): true {
  const from = stanza.attrs.from as string;
  const occupant = room.occupantByJid(from);
  const affiliation = room.affiliation(from);
  const privileged = affiliation === "owner" || affiliation === "admin";
  if (occupant === undefined && !privileged) {
    return service.refuse(origin, stanza, {
      type: "cancel",
      condition: "not-acceptable",
      text: "You are not in this room",
    });
  }
  const mayInvite = room.config.allowInvites
    ? occupant?.role !== "visitor"
    : occupant?.role === "moderator" || privileged;
  if (!mayInvite) {
    return service.refuse(origin, stanza, {
      type: "auth",
      condition: "forbidden",
      text: "You may not invite others to this room",
    });
  }
  for (const request of invites) {
    const to = request.attrs.to as string | undefined;
    if (to === undefined)
      return service.refuse(origin, stanza, {
        type: "modify",
        condition: "bad-request",
        text: "An invitation names whom it invites (to)",
      });
    // In a members-only room an invitation from an admin makes the invitee a member (Prosody does).
    if (room.config.membersOnly && privileged && room.affiliation(to) === "none")
      room.setAffiliation(to, "member");
    const out = message({ from: room.jid, to });
    const ux = out.c("x", { xmlns: NS_MUC_USER });
    const item = ux.c("invite", { from });
    const reason = request.getChildText("reason");
    if (reason !== null && reason !== undefined) item.c("reason").t(reason);
    if (room.config.password !== "") ux.c("password").t(room.config.password);
    const direct: Record<string, string> = { xmlns: NS_CONFERENCE, jid: room.jid };
    if (reason) direct.reason = reason;
    if (room.config.password !== "") direct.password = room.config.password;
    out.c("x", direct);
    service.send(out);
  }
  void service.save(room);
  return true;
}

/** A message to `room@service/nick`: a private message between occupants (§7.5). */
export function handlePrivateMessage(
  service: MucService,
  room: Room,
  origin: Session,
  stanza: Element,
): true {
  const from = stanza.attrs.from as string;
  if (stanza.attrs.type === "error") return true;
  const sender = room.occupantByJid(from);
  if (sender === undefined) {
    return service.refuse(origin, stanza, {
      type: "cancel",
      condition: "not-acceptable",
      text: "You are not in this room",
    });
  }
  if (stanza.attrs.type === "groupchat") {
    return service.refuse(origin, stanza, {
      type: "modify",
      condition: "bad-request",
      text: "Private messages are not of type groupchat",
    });
  }
  const policy = room.config.allowPm;
  const allowed =
    policy === "anyone" ||
    (policy === "participants" && (sender.role === "participant" || sender.role === "moderator")) ||
    (policy === "moderators" && sender.role === "moderator");
  if (!allowed) {
    return service.refuse(origin, stanza, {
      type: "cancel",
      condition: "forbidden",
      text: "Private messages are not allowed in this room",
    });
  }
  const target = room.occupants.get(resourceOf(stanza.attrs.to as string) ?? "");
  if (target === undefined) {
    return service.refuse(origin, stanza, {
      type: "cancel",
      condition: "item-not-found",
      text: "No occupant has that nickname",
    });
  }
  const out = clone(stanza);
  out.attrs.from = room.occupantJid(sender.nick);
  stampOccupantId(out, sender.occupantId);
  out.c("x", { xmlns: NS_MUC_USER });
  service.deliver(target, out);
  return true;
}
