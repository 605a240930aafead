import { clone, Element, errorReply, type Module, NS, reply } from "canto";
import { answering, childElements, type StanzaEvent } from "./util.js";

/** Namespaces XEP-0049 §3 reserves: storing them is `not-acceptable`. */
const RESERVED = new Set<string>([NS.client, NS.server, NS.component, NS.private]);

function keyOf(element: Element): string {
  return `${element.name}:${element.attrs.xmlns as string}`;
}

/**
 * XEP-0049 private XML storage: each account keeps XML fragments, one per element name and
 * namespace (map store `private`), that only it can read or write. Storing an empty element
 * deletes the fragment; reading one that is not there answers the empty element.
 */
export default async function privateStorage(module: Module): Promise<void> {
  module.addFeature(NS.private);
  const store = await module.openStore("private", "map");

  module.hook(`iq/bare/${NS.private}:query`, (event: StanzaEvent) => {
    const { origin, stanza } = event;
    if (event.to_self !== true || origin.username === undefined) {
      origin.send(
        errorReply(stanza, "cancel", "forbidden", "Private storage belongs to its own account only"),
      );
      return true;
    }
    const username = origin.username;
    const query = stanza.getChild("query", NS.private)!;
    const fragments = childElements(query);
    const type = stanza.attrs.type;
    if (fragments.length === 0 || (type === "get" && fragments.length > 1)) {
      const text =
        type === "get" ? "A get asks for exactly one element" : "A set needs at least one element to store";
      origin.send(errorReply(stanza, "modify", "bad-request", text));
      return true;
    }
    for (const fragment of fragments) {
      const ns = fragment.attrs.xmlns;
      if (typeof ns !== "string" || ns === "" || RESERVED.has(ns)) {
        const text = `<${fragment.name}/> needs a namespace of its own, not ${ns === undefined ? "none" : ns}`;
        origin.send(errorReply(stanza, "modify", "not-acceptable", text));
        return true;
      }
    }
    return answering(module, event, async () => {
      if (type === "get") {
        const requested = fragments[0]!;
        const stored = await store.get(username, keyOf(requested));
        const answer = reply(stanza);
        const answerQuery = answer.c("query", { xmlns: NS.private });
        answerQuery.cnode(stored instanceof Element ? stored : clone(requested));
        origin.send(answer);
        return;
      }
      const changes: Record<string, Element | undefined> = {};
      for (const fragment of fragments) {
        changes[keyOf(fragment)] = fragment.children.length === 0 ? undefined : clone(fragment);
      }
      await store.setKeys(username, changes);
      origin.send(reply(stanza));
    });
  });
}
