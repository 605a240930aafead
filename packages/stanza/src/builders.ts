import { Element } from "ltx";
import {
  NS_XMPP_STANZAS,
  STANZA_ERROR_CONDITIONS,
  type StanzaErrorCondition,
  type StanzaErrorType,
} from "./conditions.js";

/** Attribute values of a stanza; `undefined` values are left out rather than written as "undefined". */
export type StanzaAttrs = Record<string, string | undefined>;

/** What `errorReply` needs from an error object: a `StanzaError`, or anything shaped like one. */
export interface StanzaErrorLike {
  type?: StanzaErrorType | undefined;
  condition: StanzaErrorCondition | (string & {});
  text?: string | undefined;
  extra?: StanzaErrorExtra | undefined;
  by?: string | undefined;
}

/**
 * Extra error payload, as in Prosody's util.error: `uri` is the text of `<gone/>` or `<redirect/>`,
 * `tag` an application-specific element, or `namespace` + `condition` to build an empty one.
 */
export interface StanzaErrorExtra {
  uri?: string | undefined;
  tag?: Element | undefined;
  namespace?: string | undefined;
  condition?: string | undefined;
}

function clean(attrs: StanzaAttrs | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  if (!attrs) return out;
  for (const key of Object.keys(attrs)) {
    const value = attrs[key];
    if (value !== undefined) out[key] = value;
  }
  return out;
}

/** `<message/>` with the given attributes and, like Prosody's `st.message(attr, body)`, an optional body. */
export function message(attrs?: StanzaAttrs, body?: string): Element {
  const el = new Element("message", clean(attrs));
  if (body !== undefined) el.c("body").t(body);
  return el;
}

/** `<presence/>` with the given attributes. */
export function presence(attrs?: StanzaAttrs): Element {
  return new Element("presence", clean(attrs));
}

/**
 * `<iq/>` with the given attributes. RFC 6120 §8.2.3 makes `id` and `type` mandatory on IQs, and an IQ
 * without them can never be answered, so they are checked here rather than by the peer.
 */
export function iq(attrs: StanzaAttrs & { id: string; type: string }): Element {
  if (attrs === null || typeof attrs !== "object") {
    throw new TypeError("iq() needs an attributes object with id and type");
  }
  if (typeof attrs.id !== "string" || attrs.id === "") {
    throw new TypeError("iq() needs an id attribute (RFC 6120 §8.2.3)");
  }
  if (typeof attrs.type !== "string" || attrs.type === "") {
    throw new TypeError("iq() needs a type attribute: get, set, result or error");
  }
  return new Element("iq", clean(attrs));
}

function assertStanza(stanza: unknown, fn: string): asserts stanza is Element {
  if (!(stanza instanceof Element)) {
    const got = stanza === null ? "null" : typeof stanza;
    throw new TypeError(`${fn}: expected stanza (an ltx Element), got ${got}`);
  }
}

/** A deep copy of an element: attributes and children are new objects, text is shared. */
export function clone(element: Element): Element {
  const copy = new Element(element.name, { ...element.attrs });
  for (const child of element.children) {
    if (typeof child === "string") copy.children.push(child);
    else copy.cnode(clone(child as Element));
  }
  return copy;
}

/**
 * A reply to `stanza`: same name and id, `to` and `from` swapped, no children. An IQ reply is
 * `type="result"`; other stanzas keep their type.
 */
export function reply(stanza: Element): Element {
  assertStanza(stanza, "reply");
  const a = stanza.attrs as Record<string, string | undefined>;
  return new Element(
    stanza.name,
    clean({
      to: a.from,
      from: a.to,
      id: a.id,
      type: stanza.name === "iq" ? "result" : a.type,
    }),
  );
}

/**
 * An error reply to `stanza` (RFC 6120 §8.3): `type="error"` with an `<error>` child holding the
 * condition, optional `<text>` and optional application element. Pass the parts, or a `StanzaError`
 * (or any `StanzaErrorLike`) in place of `type`. Returns the reply stanza itself (ltx has no insertion
 * cursor); reach the `<error>` element with `getChild("error")`.
 *
 * Throws on a stanza that is already an error: answering errors with errors can loop forever.
 */
export function errorReply(
  stanza: Element,
  type: StanzaErrorType | StanzaErrorLike | undefined,
  condition?: StanzaErrorCondition | (string & {}),
  text?: string,
  by?: string,
): Element {
  assertStanza(stanza, "errorReply");
  if (stanza.attrs.type === "error") {
    throw new TypeError("errorReply: got a stanza of type error, which must not be answered");
  }
  let extra: StanzaErrorExtra | undefined;
  let errorType: StanzaErrorType | undefined;
  if (type !== null && typeof type === "object") {
    extra = type.extra;
    by = type.by ?? by;
    errorType = type.type;
    condition = type.condition;
    text = type.text;
  } else {
    errorType = type;
  }
  const cond = condition ?? "undefined-condition";
  errorType ??= (STANZA_ERROR_CONDITIONS as Record<string, StanzaErrorType>)[cond] ?? "cancel";

  const r = reply(stanza);
  r.attrs.type = "error";
  // `by` names the entity that generated the error; it is pointless when it is the sender itself.
  const errorAttrs: Record<string, string> = { type: errorType };
  if (by !== undefined && by !== r.attrs.from) errorAttrs.by = by;
  const error = r.c("error", errorAttrs);
  const condEl = error.c(cond, { xmlns: NS_XMPP_STANZAS });
  if (extra?.uri !== undefined && (cond === "gone" || cond === "redirect")) condEl.t(extra.uri);
  if (text !== undefined) error.c("text", { xmlns: NS_XMPP_STANZAS }).t(text);
  if (extra?.tag instanceof Element) {
    error.cnode(extra.tag);
  } else if (extra?.namespace !== undefined && extra.condition !== undefined) {
    error.c(extra.condition, { xmlns: extra.namespace });
  }
  return r;
}
