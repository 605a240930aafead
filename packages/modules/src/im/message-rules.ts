import type { Element, Session } from "canto";

/** Message handling rules shared by the `message` and `offline` modules. */

const MESSAGE_TYPES = new Set(["chat", "error", "groupchat", "headline", "normal"]);

/** The message type, unknown ones read as `normal` (RFC 6121 §5.2.2). */
export function messageType(stanza: Element): string {
  const type = stanza.attrs.type as string | undefined;
  return type !== undefined && MESSAGE_TYPES.has(type) ? type : "normal";
}

/** What `message/offline/handle` receives: a message for a user with no available resource. */
export interface OfflineHandleEvent {
  origin: Session;
  stanza: Element;
  username: string;
}

/**
 * The resources a message to the bare JID goes to (RFC 6121 §8.5.2.1.1): the available ones with
 * the highest non-negative priority. Resources with a negative priority never get such messages.
 */
export function topResources(sessions: readonly Session[]): Session[] {
  let best = -1;
  let top: Session[] = [];
  for (const session of sessions) {
    const priority = session.priority ?? 0;
    if (priority < 0 || priority < best) continue;
    if (priority > best) {
      best = priority;
      top = [];
    }
    top.push(session);
  }
  return top;
}
