import { clone, type Element, errorReply, type Module, parseJid, type Session } from "canto";

const NS_CARBONS = "urn:xmpp:carbons:2";
const NS_DELAY = "urn:xmpp:delay";
const NS_MAM = "urn:xmpp:mam:2";

/**
 * What becomes of the stanzas a session never acknowledged once it is gone for good (as
 * Prosody's mod_smacks): chat and normal messages are routed again to the account's bare JID,
 * stamped with the time they were first sent (XEP-0203), so another resource or offline storage
 * gets them; IQ requests are answered `recipient-unavailable`; the rest is dropped (presence is
 * sent again on the next login, errors and results answer nothing, headlines and groupchat are
 * not kept). Returns how many messages were routed again.
 */
export function redeliver(
  module: Module,
  session: Session,
  unacked: readonly { stanza: Element; at: number }[],
): number {
  if (session.username === undefined) return 0;
  const bareJid = `${session.username}@${session.host}`;
  let rerouted = 0;
  let dropped = 0;
  const send = (stanza: Element) => {
    const result = module.send(stanza);
    if (result instanceof Promise) {
      result.catch((error: unknown) =>
        module.log("error", "could not route an unacknowledged stanza of %s: %s", bareJid, error),
      );
    }
  };
  for (const { stanza, at } of unacked) {
    const type = (stanza.attrs.type as string | undefined) ?? (stanza.name === "message" ? "normal" : "");
    if (stanza.name === "message" && (type === "chat" || type === "normal")) {
      if (alreadyDeliveredElsewhere(module, stanza, bareJid)) {
        dropped++;
        continue;
      }
      const copy = clone(stanza);
      copy.attrs.to = bareJid;
      if (copy.getChild("delay", NS_DELAY) === undefined) {
        copy.c("delay", { xmlns: NS_DELAY, from: session.host, stamp: new Date(at * 1000).toISOString() });
      }
      send(copy);
      rerouted++;
    } else if (stanza.name === "iq" && (type === "get" || type === "set")) {
      send(errorReply(stanza, "cancel", "recipient-unavailable", "the recipient's session ended"));
    } else {
      dropped++;
    }
  }
  if (rerouted + dropped > 0) {
    module.log(
      "debug",
      "%s: %d unacknowledged message(s) routed again, %d stanza(s) dropped",
      session.fullJid,
      rerouted,
      dropped,
    );
  }
  return rerouted;
}

/**
 * Carbon copies and archive results exist elsewhere already; a message sent to the bare JID went to
 * the account's other resources too when any is still bound.
 */
function alreadyDeliveredElsewhere(module: Module, stanza: Element, bareJid: string): boolean {
  for (const child of stanza.getChildElements()) {
    const xmlns = child.attrs.xmlns;
    if (xmlns === NS_CARBONS && (child.name === "sent" || child.name === "received")) return true;
    if (xmlns === NS_MAM && child.name === "result") return true;
  }
  const to = stanza.attrs.to as string | undefined;
  if (to === undefined) return false;
  let toBare: boolean;
  try {
    toBare = parseJid(to).resource === undefined;
  } catch {
    return false;
  }
  return toBare && (module.server.sessions.bare(bareJid)?.size ?? 0) > 0;
}
