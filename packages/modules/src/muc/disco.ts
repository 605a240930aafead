import { disco, type Element, reply } from "canto";
import { NS_MUC, NS_OCCUPANT_ID } from "./presence.js";
import type { Room } from "./room.js";
import type { MucService } from "./service.js";

export const NS_ROOMINFO = "http://jabber.org/protocol/muc#roominfo";

/** disco#info of the service: a text conference service (§6.1). */
export function serviceInfo(service: MucService, stanza: Element): Element {
  const answer = reply(stanza);
  const query = answer.c("query", { xmlns: disco.NS_DISCO_INFO });
  query.c("identity", {
    category: "conference",
    type: "text",
    name: service.module.getOptionString("name", "Chatrooms"),
  });
  for (const feature of [disco.NS_DISCO_INFO, disco.NS_DISCO_ITEMS, NS_MUC, "urn:xmpp:ping"]) {
    query.c("feature", { var: feature });
  }
  return answer;
}

/** disco#items of the service: the public rooms that are open for business (§6.3). */
export async function serviceItems(service: MucService, stanza: Element): Promise<Element> {
  const answer = reply(stanza);
  const query = answer.c("query", { xmlns: disco.NS_DISCO_ITEMS });
  for (const room of await service.allRooms()) {
    if (!room.config.public || room.locked || room.destroyed) continue;
    query.c("item", { jid: room.jid, name: room.config.name || room.jid.slice(0, room.jid.indexOf("@")) });
  }
  return answer;
}

/** disco#info of a room (§6.4): its features and the XEP-0128 muc#roominfo form. */
export async function roomInfo(service: MucService, room: Room, stanza: Element): Promise<Element> {
  const c = room.config;
  const features = new Set<string>([
    NS_MUC,
    disco.NS_DISCO_INFO,
    disco.NS_DISCO_ITEMS,
    "urn:xmpp:ping",
    NS_OCCUPANT_ID,
    c.public ? "muc_public" : "muc_hidden",
    c.persistent ? "muc_persistent" : "muc_temporary",
    c.membersOnly ? "muc_membersonly" : "muc_open",
    c.moderated ? "muc_moderated" : "muc_unmoderated",
    c.whois === "anyone" ? "muc_nonanonymous" : "muc_semianonymous",
    c.password !== "" ? "muc_passwordprotected" : "muc_unsecured",
  ]);
  const formFields: disco.FieldInput[] = [
    { var: "muc#roominfo_description", label: "Description", value: c.description },
    { var: "muc#roominfo_occupants", label: "Number of occupants", value: String(room.occupants.size) },
    { var: "muc#roominfo_subject", label: "Subject", value: room.subject?.text ?? "" },
    { var: "muc#roomconfig_roomname", label: "Title", value: c.name },
    {
      var: "muc#roomconfig_changesubject",
      label: "Occupants may change the subject",
      type: "boolean",
      value: c.changeSubject,
    },
    { var: "muc#roominfo_lang", label: "Language", value: c.language },
  ];
  const answer = reply(stanza);
  await service.fire("muc-disco#info", { room, reply: answer, formFields, features });
  const query = answer.c("query", { xmlns: disco.NS_DISCO_INFO });
  query.c("identity", {
    category: "conference",
    type: "text",
    name: c.name || room.jid.slice(0, room.jid.indexOf("@")),
  });
  for (const feature of features) query.c("feature", { var: feature });
  query.cnode(disco.buildForm({ type: "result", formType: NS_ROOMINFO, fields: formFields }));
  return answer;
}

/** disco#items of a room: nothing, so occupants stay private (§6.5 allows it). */
export function roomItems(stanza: Element): Element {
  const answer = reply(stanza);
  answer.c("query", { xmlns: disco.NS_DISCO_ITEMS });
  return answer;
}
