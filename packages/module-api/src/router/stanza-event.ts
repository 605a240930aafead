import type { Element } from "@canto/stanza";

/**
 * The `stanza/...` event names of negotiation and unauthenticated traffic, built here only: the
 * router fires them and `hookTag` hooks them, so the two can never disagree.
 */

/** `stanza/<xmlns>:<name>` (or `stanza/<name>` without a namespace): what `hookTag` hooks. */
export function tagEvent(xmlns: string | undefined, name: string): string {
  return xmlns ? `stanza/${xmlns}:${name}` : `stanza/${name}`;
}

/**
 * The event an element fires before routing: a namespaced element's tag event; a get/set IQ's
 * payload (`stanza/iq/<ns>:<child>`); any other stanza by its name (`stanza/message`).
 */
export function stanzaEvent(stanza: Element, namespaced: boolean): string {
  const attrs = stanza.attrs as Record<string, string | undefined>;
  if (namespaced) return tagEvent(attrs.xmlns, stanza.name);
  if (stanza.name === "iq" && (attrs.type === "get" || attrs.type === "set")) {
    for (const child of stanza.children) {
      if (typeof child !== "object") continue;
      const ns = (child as Element).attrs.xmlns as string | undefined;
      return ns ? `stanza/iq/${ns}:${(child as Element).name}` : `stanza/${stanza.name}`;
    }
  }
  return `stanza/${stanza.name}`;
}
