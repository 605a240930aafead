import { type Element, errorReply } from "@canto/stanza";
import type { Session } from "./session.js";

/** How many child elements (text and whitespace aside) a stanza has, stopping at two. */
function elementChildren(stanza: Element): number {
  let count = 0;
  for (const child of stanza.children) if (typeof child === "object" && ++count > 1) break;
  return count;
}

/**
 * RFC 6120 §8.2.3: an IQ of type get or set carries exactly one payload element. One with none or
 * several is answered `bad-request` (modify) and goes no further, from any kind of session (clients,
 * servers, components, before or after authentication), as Prosody's router does. Returns `true`
 * when the stanza was refused.
 */
export function refuseIqWithoutOnePayload(origin: Session, stanza: Element): boolean {
  if (stanza.name !== "iq") return false;
  const type = stanza.attrs.type;
  if ((type !== "get" && type !== "set") || elementChildren(stanza) === 1) return false;
  origin.send(
    errorReply(stanza, "modify", "bad-request", "An IQ get or set must carry exactly one child element"),
  );
  return true;
}
