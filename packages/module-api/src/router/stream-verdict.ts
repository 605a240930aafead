import type { Element } from "@canto/stanza";
import type { Session } from "./session.js";

/**
 * What the router answers a network peer's element that no handler takes: the one place that
 * picks between a stream error and a stanza error, for every transport and role.
 */

const STANZAS = new Set(["message", "presence", "iq"]);

/** The content namespace of a stream of this session type (its stanzas arrive without `xmlns`). */
function streamNamespace(type: string): string | undefined {
  if (type === "c2s" || type === "c2s_unauthed") return "jabber:client";
  if (type === "s2sin" || type === "s2sout" || type.startsWith("s2s")) return "jabber:server";
  if (type === "component" || type === "component_unauthed") return "jabber:component:accept";
  return undefined;
}

/** Not yet authenticated: only what a module answers (SASL, in-band registration) may pass. */
const isUnauthed = (type: string) => type.endsWith("_unauthed");

/**
 * Whether an element is namespaced (a nonza such as SASL's or XEP-0198's) rather than a stanza:
 * it carries a namespace other than the origin's stream content (`jabber:client` counts as
 * content everywhere, since clients and modules write it).
 */
export function isNamespaced(origin: Session, stanza: Element): boolean {
  const xmlns = stanza.attrs.xmlns as string | undefined;
  if (xmlns === undefined || xmlns === "jabber:client") return false;
  const own = streamNamespace(origin.type);
  // In-process sessions may hand over server stanzas as they are.
  return own === undefined ? xmlns !== "jabber:server" : xmlns !== own;
}

/** A stream error (`condition: text`) that ends the stream. */
export interface StreamVerdict {
  condition: "unsupported-stanza-type" | "not-authorized";
  text: string;
}

/**
 * The verdict on an element a network session sent that no handler is hooked for (`handled`
 * false), or undefined when ordinary stanza routing answers it (`service-unavailable` and
 * friends). Before authentication only hooked elements pass; a name that is no stanza never does.
 */
export function streamVerdict(origin: Session, stanza: Element, handled: boolean): StreamVerdict | undefined {
  const content = streamNamespace(origin.type);
  if (content === undefined || handled) return undefined;
  if (origin.type === "component_unauthed") {
    return { condition: "not-authorized", text: "complete the handshake before sending stanzas" };
  }
  if (isNamespaced(origin, stanza)) {
    const xmlns = stanza.attrs.xmlns as string;
    return {
      condition: "unsupported-stanza-type",
      text: `nothing here handles <${stanza.name} xmlns='${xmlns}'>`,
    };
  }
  if (!STANZAS.has(stanza.name)) {
    return { condition: "unsupported-stanza-type", text: `<${stanza.name}> is not a stanza of ${content}` };
  }
  if (isUnauthed(origin.type))
    return { condition: "not-authorized", text: "authenticate before sending stanzas" };
  return undefined;
}

export const isStanzaName = (name: string): boolean => STANZAS.has(name);
