import { randomUUID } from "node:crypto";
import { bareOf, type Element, errorReply, type Module, message, reply, type Session } from "canto";
import type { MucDiscoInfoEvent, MucMessageEvent } from "../muc/events.js";
import type { MucApi } from "../muc/muc.js";

const NS_MODERATE = "urn:xmpp:message-moderate:1";
const NS_RETRACT = "urn:xmpp:message-retract:1";
const NS_SID = "urn:xmpp:sid:0";

/** The room's stanza id of a message, if it has one. */
function stanzaIdOf(stanza: Element, room: string): string | undefined {
  const sid = stanza.getChildren("stanza-id", NS_SID).find((s) => s.attrs.by === room);
  return sid?.attrs.id as string | undefined;
}

/**
 * XEP-0425 message moderation, as Prosody's community mod_muc_moderation, written only against
 * `muc`'s events and API: each groupchat message gets a stanza id (XEP-0359) from the room; a
 * moderator retracts one by id; the room tells every occupant and keeps a tombstone in history.
 */
export default async function mucModeration(module: Module): Promise<void> {
  const muc = (await module.depends("muc")) as MucApi;

  module.hook<MucMessageEvent>("muc-broadcast-message", ({ room, stanza }) => {
    // Only the room stamps its ids: one a client wrote itself is dropped (XEP-0359 §4).
    stanza.children = stanza.children.filter(
      (c) => typeof c === "string" || !(c.is("stanza-id", NS_SID) && c.attrs.by === room.jid),
    );
    stanza.c("stanza-id", { xmlns: NS_SID, id: randomUUID(), by: room.jid });
    return undefined;
  });
  module.hook<MucDiscoInfoEvent>("muc-disco#info", ({ features }) => {
    features.add(NS_MODERATE);
    return undefined;
  });

  module.hook(`iq-set/bare/${NS_MODERATE}:moderate`, async (event: { origin: Session; stanza: Element }) => {
    const { origin, stanza } = event;
    const fail = (type: "auth" | "cancel" | "modify", condition: string, text: string) => {
      origin.send(errorReply(stanza, type, condition, text));
      return true;
    };
    const room = await muc.getRoom(bareOf(stanza.attrs.to as string));
    if (room === undefined) return fail("cancel", "item-not-found", "No such room");
    const actor = room.occupantByJid(stanza.attrs.from as string);
    if (actor?.role !== "moderator") return fail("auth", "forbidden", "Only moderators moderate messages");
    const moderate = stanza.getChild("moderate", NS_MODERATE)!;
    const id = moderate.attrs.id as string | undefined;
    if (id === undefined || moderate.getChild("retract", NS_RETRACT) === undefined) {
      return fail("modify", "bad-request", "A moderation names the message (id) and holds <retract/>");
    }
    const entry = room.history.entries.find((e) => stanzaIdOf(e.stanza, room.jid) === id);
    if (entry === undefined) return fail("cancel", "item-not-found", "No message with that id in this room");
    const reason = moderate.getChildText("reason") ?? undefined;
    const by = room.occupantJid(actor.nick);

    const notice = message({ from: room.jid, type: "groupchat", id: randomUUID() });
    const retract = notice.c("retract", { xmlns: NS_RETRACT, id });
    retract.c("moderated", { xmlns: NS_MODERATE, by });
    if (reason !== undefined) retract.c("reason").t(reason);
    muc.service.broadcastMessage(room, notice);

    // History keeps a tombstone in the message's place, so newcomers see it was removed.
    const tombstone = message({ from: entry.stanza.attrs.from as string, type: "groupchat" });
    const retracted = tombstone.c("retracted", {
      xmlns: NS_RETRACT,
      stamp: new Date(muc.service.now() * 1000).toISOString(),
    });
    retracted.c("moderated", { xmlns: NS_MODERATE, by });
    if (reason !== undefined) retracted.c("reason").t(reason);
    tombstone.c("stanza-id", { xmlns: NS_SID, id, by: room.jid });
    entry.stanza = tombstone;
    entry.chars = tombstone.toString().length;
    await muc.service.save(room);
    origin.send(reply(stanza));
    return true;
  });
}
