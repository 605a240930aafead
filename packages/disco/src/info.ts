import { Element } from "ltx";
import type { CapsHash } from "./caps.js";
import { clone } from "./clone.js";
import { DEFAULT_CAPS_NODE, NS_DISCO_INFO } from "./namespaces.js";
import { type Awaitable, answerNode, type NodeHandler, nodeOf, queryOf } from "./node.js";
import type { DiscoInfo, InfoSource } from "./registry.js";
import { reply as resultReply } from "./reply.js";

/**
 * Builds a `<query xmlns="http://jabber.org/protocol/disco#info"/>` from identities, features and
 * extensions, in that order. Extensions are copied, so the query owns all its children.
 */
export function buildInfoQuery(info: DiscoInfo, node?: string): Element {
  const query = new Element("query", { xmlns: NS_DISCO_INFO, node });
  for (const { category, type, name, lang } of info.identities) {
    query.c("identity", { category, type, name, "xml:lang": lang });
  }
  for (const feature of info.features) query.c("feature", { var: feature });
  for (const extension of info.extensions) query.cnode(clone(extension));
  return query;
}

/** Options of {@link hostInfo}. */
export interface HostInfoOptions {
  /** A {@link HostInfoCache} (answers from the cache) or a {@link DiscoRegistry} (builds each time). */
  source: InfoSource;
  /** The caps node: a query to `<capsNode>#<ver>` gets the host's info. Default: the source's, else `"http://prosody.im"`. */
  capsNode?: string;
  /** The hash used for that `ver`. Default `"sha-1"`. */
  hash?: CapsHash;
  /** Answers queries to other nodes (Prosody's `host-disco-info-node`); without it they get `item-not-found`. */
  onNode?: NodeHandler;
}

/**
 * Answers a `disco#info` query to a host. A query without `node`, with `node=""` or with the
 * host's caps node (`<capsNode>#<ver>`) gets the host's identities, features and extensions, the
 * node echoed. Any other node goes to `onNode`. Synchronous unless `onNode` returns a promise.
 */
export function hostInfo(stanza: Element, options: HostInfoOptions): Awaitable<Element> {
  const node = nodeOf(queryOf(stanza, NS_DISCO_INFO));
  const { source } = options;
  if (
    node === undefined ||
    node === "" ||
    node === `${options.capsNode ?? source.capsNode ?? DEFAULT_CAPS_NODE}#${source.capsVer(options.hash)}`
  ) {
    const reply = resultReply(stanza);
    const query = clone(source.infoQuery());
    if (node !== undefined) query.attrs.node = node;
    reply.cnode(query);
    return reply;
  }
  return answerNode(stanza, NS_DISCO_INFO, node, options.onNode);
}
