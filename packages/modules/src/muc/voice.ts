import { disco, type Element, message, type Session } from "canto";
import { roleChangeRefusal } from "./roles.js";
import type { Room } from "./room.js";
import type { MucService } from "./service.js";

export const NS_MUC_REQUEST = "http://jabber.org/protocol/muc#request";

/** The muc#request form of a message, if it carries one. */
export function voiceRequestForm(stanza: Element): disco.Form | undefined {
  const x = stanza.getChild("x", disco.NS_DATA_FORMS);
  if (x === undefined || disco.formTypeOf(x) !== NS_MUC_REQUEST) return undefined;
  try {
    return disco.parseForm(x);
  } catch {
    return undefined;
  }
}

const value = (form: disco.Form, name: string) => disco.getFieldValues(form, name)?.[0];

/**
 * Voice requests (§7.13, §8.6): a visitor's request goes to every moderator as a form; a
 * moderator's submitted answer with `muc#request_allow` grants the voice.
 */
export function handleVoiceRequest(
  service: MucService,
  room: Room,
  origin: Session,
  stanza: Element,
  form: disco.Form,
): true {
  const from = stanza.attrs.from as string;
  const occupant = room.occupantByJid(from);
  if (occupant === undefined) {
    return service.refuse(origin, stanza, {
      type: "cancel",
      condition: "not-acceptable",
      text: "You are not in this room",
    });
  }
  if (value(form, "muc#request_allow") !== undefined) {
    const nick = value(form, "muc#roomnick");
    const target = nick === undefined ? undefined : room.occupants.get(nick);
    if (target === undefined) {
      return service.refuse(origin, stanza, {
        type: "cancel",
        condition: "item-not-found",
        text: "No occupant has that nickname",
      });
    }
    const allow = value(form, "muc#request_allow");
    if (allow !== "1" && allow !== "true") return true;
    const refusal = roleChangeRefusal(
      { affiliation: room.affiliation(from), role: occupant.role },
      { affiliation: room.affiliation(target.jid), role: target.role },
      "participant",
    );
    if (refusal !== undefined) return service.refuse(origin, stanza, refusal);
    if (target.role === "visitor") service.setRole(room, target, "participant", { actor: occupant.nick });
    return true;
  }
  if (occupant.role !== "visitor") {
    return service.refuse(origin, stanza, {
      type: "modify",
      condition: "bad-request",
      text: "You already have voice",
    });
  }
  for (const moderator of room.occupants.values()) {
    if (moderator.role !== "moderator") continue;
    const out = message({ from: room.jid, to: moderator.jid });
    out.cnode(
      disco.buildForm({
        type: "form",
        formType: NS_MUC_REQUEST,
        title: "Voice request",
        instructions: `${occupant.nick} asks for voice. Allow it?`,
        fields: [
          { var: "muc#role", type: "list-single", label: "Requested role", value: "participant" },
          { var: "muc#jid", type: "jid-single", label: "User ID", value: occupant.jid },
          { var: "muc#roomnick", type: "text-single", label: "Room Nickname", value: occupant.nick },
          { var: "muc#request_allow", type: "boolean", label: "Grant voice to this person?", value: false },
        ],
      }),
    );
    service.deliver(moderator, out);
  }
  return true;
}
