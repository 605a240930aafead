import type { Element } from "canto";

const NS_CARBONS = "urn:xmpp:carbons:2";
const NS_FORWARD = "urn:xmpp:forward:0";

/** A stanza of the client namespace (no xmlns, or jabber:client), as opposed to a nonza. */
export function isClientStanza(element: Element): boolean {
  const xmlns = element.attrs.xmlns;
  return (
    (xmlns === undefined || xmlns === "jabber:client") &&
    (element.name === "message" || element.name === "presence" || element.name === "iq")
  );
}

/** The message a carbon copy of a received message carries, or the message itself. */
function innerMessage(stanza: Element): Element {
  const forwarded = stanza.getChild("received", NS_CARBONS)?.getChild("forwarded", NS_FORWARD);
  return forwarded?.getChild("message") ?? stanza;
}

/**
 * Whether an outgoing element must reach an inactive client now (Prosody's `csi-is-stanza-important`
 * rules): nonzas and IQs always; presence only when it asks something of the user (subscriptions,
 * errors), not plain availability updates; messages when they carry a body (also inside a carbon),
 * a subject, an encrypted payload, an invitation, a call, an error, or one of `extra` payloads
 * (`{namespace}name` or a namespace); headlines, chat states, receipts and markers wait.
 */
export function isImportant(element: Element, extra: ReadonlySet<string> = new Set()): boolean {
  if (!isClientStanza(element)) return true;
  const type = element.attrs.type as string | undefined;
  if (element.name === "presence") return !(type === undefined || type === "unavailable");
  if (element.name !== "message") return true;
  if (type === "headline") return false;
  if (type === "error") return true;
  if (element.getChild("sent", NS_CARBONS) !== undefined) return true;
  const message = innerMessage(element);
  if (message.getChild("body") !== undefined || message.getChild("subject") !== undefined) return true;
  for (const child of message.getChildElements()) {
    const xmlns = child.attrs.xmlns as string | undefined;
    if (xmlns === "urn:xmpp:eme:0" && child.name === "encryption") return true;
    if (xmlns === "jabber:x:conference" && child.name === "x") return true;
    if (xmlns === "http://jabber.org/protocol/muc#user" && child.getChild("invite") !== undefined)
      return true;
    if (xmlns === "urn:xmpp:jingle-message:0" || xmlns === "urn:xmpp:jingle-message:1") return true;
    if (xmlns !== undefined && (extra.has(xmlns) || extra.has(`{${xmlns}}${child.name}`))) return true;
  }
  return false;
}
