import { clone, Element, errorReply, type Module, type RoutingEvent, reply, type Session } from "canto";
import { bareOf, messageType, NS_CARBONS, NS_FORWARD, NS_HINTS } from "./util.js";

/** Below `mam` (0), so copies carry the stanza-id; above the im `message` module (-1). */
const PRIORITY = -0.5;

/** Elements that make a message of another type worth copying (receipts, markers, call setup). */
const COPIED_PAYLOADS = ["urn:xmpp:receipts", "urn:xmpp:chat-markers:0", "urn:xmpp:jingle-message:0"];

/**
 * Whether a message is copied to the user's other resources (XEP-0280 §6): not `<private/>` or
 * `<no-copy/>`; chat, normal with a body, bounces of messages to a bare JID, and receipts or
 * markers.
 */
export function shouldCopy(stanza: Element, sent: boolean): boolean {
  if (stanza.getChild("private", NS_CARBONS) || stanza.getChild("no-copy", NS_HINTS)) return false;
  const type = messageType(stanza);
  if (type === "chat") return true;
  if (type === "normal" && stanza.getChild("body") !== undefined) return true;
  if (type === "error") {
    const from = stanza.attrs.from as string | undefined;
    return !sent && from !== undefined && !from.includes("/");
  }
  if (type === "groupchat" || type === "headline") return false;
  return stanza.getChildElements().some((child) => COPIED_PAYLOADS.includes(child.attrs.xmlns as string));
}

type SavedState = { carbonsEnabled?: WeakSet<Session> };

/**
 * XEP-0280 message carbons (`urn:xmpp:carbons:2`): a session that enables carbons gets a copy of
 * the chat messages its account sends from other resources (`<sent/>`) and receives on other
 * resources (`<received/>`).
 */
export default function carbons(module: Module): void {
  const host = module.host;
  // Per session, gone with it; carried through a reload so that clients keep their copies.
  const enabled: WeakSet<Session> =
    (module.savedState as SavedState | undefined)?.carbonsEnabled ?? new WeakSet<Session>();
  module.save = (): SavedState => ({ carbonsEnabled: enabled });

  const toggle =
    (on: boolean) =>
    ({ origin, stanza }: RoutingEvent) => {
      if (origin.username === undefined || origin.fullJid === undefined || origin.host !== host) {
        origin.send(errorReply(stanza, "cancel", "not-allowed", "Carbons are for client sessions"));
        return true;
      }
      if (on) enabled.add(origin);
      else enabled.delete(origin);
      module.log("debug", "carbons %s for %s", on ? "enabled" : "disabled", origin.fullJid);
      origin.send(reply(stanza));
      return true;
    };
  module.hook(`iq-set/self/${NS_CARBONS}:enable`, toggle(true));
  module.hook(`iq-set/self/${NS_CARBONS}:disable`, toggle(false));

  function copy(event: RoutingEvent, sent: boolean): undefined {
    const { origin, stanza } = event;
    let account: string;
    // The session that gets the original, which needs no copy.
    let target: Session | undefined;
    // Resources of this priority get a message to the bare JID through normal routing.
    let topPriority: number | undefined;
    if (sent) {
      if (origin.username === undefined || origin.host !== host) return undefined;
      account = `${origin.username}@${host}`;
      target = origin;
    } else {
      const to = (stanza.attrs.to as string | undefined) ?? account_of(origin);
      if (to === undefined) return undefined;
      account = bareOf(to);
      target = to === account ? undefined : module.server.sessions.full(to);
      if (target === undefined) topPriority = highestPriority(account);
    }
    const sessions = module.server.sessions.bare(account);
    if (sessions === undefined) return undefined;
    const hasPrivate = stanza.getChild("private", NS_CARBONS) !== undefined;
    const copyIt = shouldCopy(stanza, sent);
    // The marker travels with the message so that the recipient's server makes no copies either,
    // and is removed there before delivery (XEP-0280 §7), as Prosody does.
    if (hasPrivate && !sent) {
      stanza.children = stanza.children.filter(
        (child) =>
          typeof child === "string" || !(child.name === "private" && child.attrs.xmlns === NS_CARBONS),
      );
    }
    if (!copyIt) return undefined;

    const forwarded = clone(stanza);
    forwarded.attrs.xmlns = "jabber:client";
    if (sent && forwarded.attrs.to === undefined) forwarded.attrs.to = account;
    for (const session of sessions.values()) {
      if (!enabled.has(session) || session === target || session.fullJid === undefined) continue;
      if (!sent && topPriority !== undefined && session.priority === topPriority) continue;
      const carbon = new Element("message", {
        from: account,
        to: session.fullJid,
        type: messageType(stanza),
      });
      carbon
        .c(sent ? "sent" : "received", { xmlns: NS_CARBONS })
        .c("forwarded", { xmlns: NS_FORWARD })
        .cnode(clone(forwarded));
      session.send(carbon);
    }
    return undefined;
  }

  /** The priority of the resources a message to `account` reaches, `undefined` when none is available. */
  function highestPriority(account: string): number | undefined {
    let best: number | undefined;
    for (const session of module.server.sessions.bare(account)?.values() ?? []) {
      const priority = session.priority;
      if (priority === undefined || priority < 0) continue;
      if (best === undefined || priority > best) best = priority;
    }
    return best;
  }

  const account_of = (origin: Session) =>
    origin.username === undefined ? undefined : `${origin.username}@${origin.host}`;

  module.hook("pre-message/bare", (event: RoutingEvent) => copy(event, true), PRIORITY);
  module.hook("pre-message/full", (event: RoutingEvent) => copy(event, true), PRIORITY);
  module.hook("pre-message/host", (event: RoutingEvent) => copy(event, true), PRIORITY);
  module.hook("message/bare", (event: RoutingEvent) => copy(event, false), PRIORITY);
  module.hook("message/full", (event: RoutingEvent) => copy(event, false), PRIORITY);

  module.addFeature(NS_CARBONS);
}
