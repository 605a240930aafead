import { Element } from "ltx";
import { NS_STANZAS } from "./namespaces.js";

// The two stanza helpers this package needs, kept small and alone, with @canto/stanza's names and
// argument order, so that this file can become `export { reply, errorReply } from "@canto/stanza"`
// once that package settles.

type ErrorType = "auth" | "cancel" | "continue" | "modify" | "wait";

/** A reply to an `iq`: `type="result"`, `id` kept, `to` and `from` swapped. */
export function reply(stanza: Element): Element {
  const { id, from, to } = stanza.attrs as Record<string, string | undefined>;
  return new Element(stanza.name, { to: from, from: to, id, type: "result" });
}

/** An error reply to `stanza`: `<error type><condition/><text/>?</error>` in the stanza-errors namespace. */
export function errorReply(stanza: Element, type: ErrorType, condition: string, text?: string): Element {
  const r = reply(stanza);
  r.attrs.type = "error";
  const error = r.c("error", { type });
  error.c(condition, { xmlns: NS_STANZAS });
  if (text !== undefined) error.c("text", { xmlns: NS_STANZAS }).t(text);
  return r;
}
