import { bareOf, type Element, errorReply, type Module, type RoutingEvent, type Session } from "canto";
import { authProvider } from "../shared/contracts.js";
import { messageType, type OfflineHandleEvent, topResources } from "./message-rules.js";
import { availableSessions, keepSessionStates, localUser } from "./session-state.js";

/** Above the core delivery handlers (-1000), below modules that filter messages at 0 and up. */
const PRIORITY = -1;

/**
 * RFC 6121 §8.5: delivery of messages to local users, by type, to bare and full JIDs, with
 * priorities; messages for users with no available resource go to `message/offline/handle`
 * (the `offline` module), and are bounced with `service-unavailable` when nobody stores them.
 */
export default function messageModule(module: Module): void {
  const host = module.host;
  keepSessionStates(module);

  async function toBare(origin: Session, stanza: Element, bareJid: string): Promise<true> {
    const type = messageType(stanza);
    if (type === "error") return true; // errors are never answered nor stored (RFC 6120 §8.3.1)
    if (type === "groupchat") {
      origin.send(errorReply(stanza, "cancel", "service-unavailable", "This is not a groupchat service"));
      return true;
    }
    const available = availableSessions(module, bareJid);
    if (type === "headline") {
      // Headlines go to every non-negative resource, and are not kept for later (§8.5.2.1.1).
      if (stanza.attrs.to === bareJid) {
        for (const session of available) if ((session.priority ?? 0) >= 0) session.send(stanza);
      }
      return true;
    }
    const recipients = topResources(available);
    if (recipients.length > 0) {
      for (const session of recipients) session.send(stanza);
      return true;
    }
    // No available resource (§8.5.2.2): store it if the user exists and something stores it.
    const username = localUser(bareJid, host);
    let stored: unknown;
    if (username !== undefined && (await userExists(username))) {
      const event: OfflineHandleEvent = { origin, stanza, username };
      stored = await module.fireEvent("message/offline/handle", event);
    }
    if (stored === undefined || stored === false) {
      origin.send(errorReply(stanza, "cancel", "service-unavailable"));
    }
    return true;
  }

  async function userExists(username: string): Promise<boolean> {
    const provider = authProvider(module);
    return provider === undefined ? true : provider.userExists(username);
  }

  module.hook<RoutingEvent>(
    "message/bare",
    ({ origin, stanza }) => {
      const to = stanza.attrs.to as string | undefined;
      if (to !== undefined) return toBare(origin, stanza, to);
      // No `to` means the sender's own bare JID (RFC 6120 §10.3.1); a host session has none.
      if (origin.username === undefined) return undefined;
      return toBare(origin, stanza, `${origin.username}@${origin.host}`);
    },
    PRIORITY,
  );

  module.hook<RoutingEvent>(
    "message/full",
    ({ origin, stanza }) => {
      const to = stanza.attrs.to as string;
      const session = module.server.sessions.full(to);
      if (session !== undefined) {
        session.send(stanza);
        return true;
      }
      // The resource is gone (§8.5.3.2.1): chat and normal messages go to the bare JID, groupchat
      // is bounced, headlines and errors are ignored.
      const type = messageType(stanza);
      if (type === "headline" || type === "error") return true;
      return toBare(origin, stanza, bareOf(to));
    },
    PRIORITY,
  );
}
