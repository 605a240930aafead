import { clone, Element } from "canto";

export const NS_PUSH = "urn:xmpp:push:0";
export const NS_PUBSUB = "http://jabber.org/protocol/pubsub";
export const NS_DATA = "jabber:x:data";
export const SUMMARY = "urn:xmpp:push:summary";

/** One registration (XEP-0357 §5): the app server's JID and node, with its publish-options. */
export interface PushService {
  jid: string;
  node: string | undefined;
  /** The publish-options form as the client gave it (e.g. the app server's secret). */
  options: Element | undefined;
  /** Unix seconds, for keeping the newest `push_max_devices`. */
  timestamp: number;
}

/** How a registration is named in the store: Prosody's `jid<node`. */
export const identifierOf = (jid: string, node: string | undefined) => `${jid}<${node ?? ""}`;

const NS_CARBONS = "urn:xmpp:carbons:2";

/** The message a carbon copy carries, and whether it was sent by the user. */
function unwrap(message: Element): { message: Element; outgoing: boolean } {
  for (const name of ["received", "sent"] as const) {
    const inner = message
      .getChild(name, NS_CARBONS)
      ?.getChild("forwarded", "urn:xmpp:forward:0")
      ?.getChild("message");
    if (inner !== undefined) return { message: inner, outgoing: name === "sent" };
  }
  return { message, outgoing: false };
}

/**
 * Whether a push deserves a high-priority notification (mod_cloud_notify's `is_important`): a
 * message with a non-empty body or an encrypted payload, not a headline, a groupchat subject or
 * the user's own message copied back.
 */
export function isImportantPush(stanza: Element): boolean {
  if (stanza.name !== "message") return false;
  const { message, outgoing } = unwrap(stanza);
  const type = message.attrs.type as string | undefined;
  if (type === "headline" || outgoing) return false;
  if (
    message.getChild("encrypted", "eu.siacs.conversations.axolotl") !== undefined ||
    message.getChild("encrypted", "urn:xmpp:omemo:0") !== undefined ||
    message.getChild("encrypted", "urn:xmpp:omemo:2") !== undefined ||
    message.getChild("x", "jabber:x:encrypted") !== undefined ||
    message.getChild("openpgp", "urn:xmpp:openpgp:0") !== undefined
  ) {
    return true;
  }
  if (type === "groupchat" && message.getChild("subject") !== undefined) return false;
  const body = message.getChildText("body");
  return body !== null && body !== undefined && body !== "";
}

export interface SummaryOptions {
  withBody: boolean;
  withSender: boolean;
  /** `push_notification_important_body`: what stands for a body that is not sent ("" for none). */
  importantBody: string;
}

/**
 * The publish IQ of XEP-0357 §7: a notification item carrying the `urn:xmpp:push:summary` form
 * (sender and body only where configured), then the registration's publish-options.
 */
export function publishIq(
  from: string,
  id: string,
  service: PushService,
  stanza: Element | undefined,
  options: SummaryOptions,
): Element {
  const iq = new Element("iq", { type: "set", from, to: service.jid, id });
  const pubsub = iq.c("pubsub", { xmlns: NS_PUBSUB });
  const publish = pubsub.c("publish", service.node === undefined ? {} : { node: service.node });
  const form = publish
    .c("item")
    .c("notification", { xmlns: NS_PUSH })
    .c("x", { xmlns: NS_DATA, type: "submit" });
  const field = (name: string, value: string, type?: string) =>
    form
      .c("field", type === undefined ? { var: name } : { var: name, type })
      .c("value")
      .t(value);
  field("FORM_TYPE", SUMMARY, "hidden");
  field("message-count", "1");
  if (stanza !== undefined) {
    const from = stanza.attrs.from as string | undefined;
    if (options.withSender && from !== undefined) field("last-message-sender", from);
    const body = unwrap(stanza).message.getChildText("body");
    if (options.withBody && typeof body === "string") field("last-message-body", body);
    else if (!options.withBody && options.importantBody !== "" && isImportantPush(stanza)) {
      field("last-message-body", options.importantBody);
    }
  }
  if (service.options !== undefined) pubsub.c("publish-options").cnode(clone(service.options));
  return iq;
}
