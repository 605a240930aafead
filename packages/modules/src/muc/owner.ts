import { disco, type Element, reply, type Session } from "canto";
import { applyForm, ConfigRefusal, configForm, type RoomConfig } from "./config.js";
import type { Room } from "./room.js";
import type { MucService } from "./service.js";

export const NS_MUC_OWNER = "http://jabber.org/protocol/muc#owner";

/** `muc#owner` IQs: the configuration form (§10.1, §10.2) and room destruction (§10.9). Owners only. */
export async function handleOwner(
  service: MucService,
  room: Room,
  origin: Session,
  stanza: Element,
): Promise<true> {
  const from = stanza.attrs.from as string;
  if (room.affiliation(from) !== "owner") {
    return service.refuse(origin, stanza, {
      type: "auth",
      condition: "forbidden",
      text: "Only owners configure or destroy a room",
    });
  }
  const query = stanza.getChild("query", NS_MUC_OWNER)!;
  if (stanza.attrs.type === "get") {
    const form = configForm(room.config, room.jid, service.options);
    await service.fire("muc-config-form", { room, actor: from, form });
    const answer = reply(stanza);
    answer.c("query", { xmlns: NS_MUC_OWNER }).cnode(form);
    origin.send(answer);
    return true;
  }
  const destroy = query.getChild("destroy");
  if (destroy !== undefined) {
    const how: { reason?: string; alternate?: string; password?: string } = {};
    const reason = destroy.getChildText("reason");
    if (reason !== null && reason !== undefined) how.reason = reason;
    const password = destroy.getChildText("password");
    if (password !== null && password !== undefined) how.password = password;
    if (typeof destroy.attrs.jid === "string") how.alternate = destroy.attrs.jid;
    await service.destroy(room, how);
    origin.send(reply(stanza));
    return true;
  }
  const x = query.getChild("x", disco.NS_DATA_FORMS);
  if (x === undefined) {
    return service.refuse(origin, stanza, {
      type: "modify",
      condition: "bad-request",
      text: "A muc#owner set holds a data form or <destroy/>",
    });
  }
  let form: disco.Form;
  try {
    form = disco.parseForm(x);
  } catch (error) {
    return service.refuse(origin, stanza, {
      type: "modify",
      condition: "bad-request",
      text: `Malformed form: ${(error as Error).message}`,
    });
  }
  if (form.type === "cancel") {
    // Cancelling the first configuration of a new room destroys it (§10.1.3).
    if (room.locked) await service.destroy(room);
    origin.send(reply(stanza));
    return true;
  }
  if (form.type !== "submit") {
    return service.refuse(origin, stanza, {
      type: "modify",
      condition: "bad-request",
      text: "A configuration form is of type submit or cancel",
    });
  }
  let next: RoomConfig;
  try {
    next = applyForm(room.config, form, service.options);
  } catch (error) {
    if (error instanceof ConfigRefusal) return service.refuse(origin, stanza, error);
    throw error;
  }
  const before = room.config;
  const changed = (Object.keys(next) as (keyof RoomConfig)[]).filter((k) => next[k] !== before[k]);
  room.config = next;
  room.history.trim(next.historyLength);
  const wasLocked = room.locked;
  if (wasLocked) service.unlock(room);
  const statusCodes: number[] = [];
  if (changed.length > 0) statusCodes.push(104);
  if (changed.includes("whois")) statusCodes.push(next.whois === "anyone" ? 172 : 173);
  await service.fire("muc-config-submitted", { room, actor: from, fields: form, changed, statusCodes });
  await service.save(room);
  origin.send(reply(stanza));
  if (!wasLocked) service.statusMessage(room, statusCodes);
  // Occupants who are no longer allowed in leave: non-members of a room now members-only (322).
  if (changed.includes("membersOnly") && next.membersOnly) {
    for (const occupant of [...room.occupants.values()]) {
      if (room.affiliation(occupant.jid) === "none") service.remove(room, occupant, [322]);
    }
  }
  if (changed.includes("moderated")) {
    for (const occupant of room.occupants.values()) {
      const role = room.roleFor(occupant.jid);
      if (role !== occupant.role && occupant.role !== "moderator") service.setRole(room, occupant, role, {});
    }
  }
  await service.maybeForget(room);
  return true;
}
