import { iq, type Module } from "canto";
import { itemElement, type RosterItem } from "./roster-store.js";
import { sessionStates, sessionsOf } from "./session-state.js";

let pushCounter = 0;

/**
 * Sends a roster push (RFC 6121 §2.1.6) for one item to every session of the user that asked for
 * the roster. `item` undefined pushes `subscription="remove"`.
 */
export function pushRosterItem(
  module: Module,
  username: string,
  jid: string,
  item: RosterItem | undefined,
  version: number,
): number {
  const bareJid = `${username}@${module.host}`;
  const states = sessionStates(module);
  let sent = 0;
  for (const session of sessionsOf(module, bareJid)) {
    if (states.get(session)?.interested !== true || session.fullJid === undefined) continue;
    pushCounter += 1;
    const push = iq({ type: "set", id: `roster-push-${pushCounter}`, to: session.fullJid });
    push.c("query", { xmlns: "jabber:iq:roster", ver: String(version) }).cnode(itemElement(jid, item));
    session.send(push);
    sent += 1;
  }
  return sent;
}
