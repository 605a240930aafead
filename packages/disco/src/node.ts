import { Element } from "ltx";
import { DiscoError } from "./errors.js";
import { errorReply, reply as resultReply } from "./reply.js";

/** A value, or a promise of one. Builders stay synchronous when every callback is. */
export type Awaitable<T> = T | Promise<T>;

/** Applies `f` to a value or, once it settles, to a promise's value; synchronous when it can be. */
export function andThen<T, R>(value: Awaitable<T>, f: (value: T) => Awaitable<R>): Awaitable<R> {
  if (value instanceof Promise) return value.then(f);
  return f(value);
}

/** The `<query/>` child of a disco request, or `DiscoError` `bad-query`. */
export function queryOf(stanza: Element, xmlns: string): Element {
  const query = stanza.getChild("query", xmlns);
  if (!query) throw new DiscoError("bad-query", `the stanza has no <query xmlns="${xmlns}"/>`);
  return query;
}

/** The `node` attribute of a disco query, `undefined` when absent. */
export function nodeOf(query: Element): string | undefined {
  const node: unknown = query.attrs.node;
  return typeof node === "string" ? node : undefined;
}

/** What a node handler is given: fill `query` and answer `{ exists: true }`. */
export interface NodeRequest {
  /** The request. */
  stanza: Element;
  node: string;
  /** The result `<iq/>` prepared for the answer. */
  reply: Element;
  /** Its `<query node="..."/>`, to fill with identities, features or items. */
  query: Element;
}

/**
 * A node handler's answer, after Prosody's `*-disco-*-node` events: `{ exists: true }` sends the
 * prepared `reply`; an `Element` is sent instead of it; `undefined` or `{ exists: false }` means
 * the node does not exist (`item-not-found`).
 */
export type NodeAnswer = { exists: boolean } | Element | undefined;

export type NodeHandler = (request: NodeRequest) => Awaitable<NodeAnswer>;

/** Text of the `item-not-found` error for an unknown node. */
export const NODE_NOT_FOUND_TEXT = "Node does not exist";

/** Answers a query to `node` through `handler`, or with `item-not-found` without one. */
export function answerNode(
  stanza: Element,
  xmlns: string,
  node: string,
  handler: NodeHandler | undefined,
  prepare?: (reply: Element) => void,
): Awaitable<Element> {
  if (!handler) return errorReply(stanza, "cancel", "item-not-found", NODE_NOT_FOUND_TEXT);
  const reply = resultReply(stanza);
  prepare?.(reply);
  const query = reply.c("query", { xmlns, node });
  return andThen(handler({ stanza, node, reply, query }), (answer) => {
    if (answer instanceof Element) return answer;
    if (answer?.exists) return reply;
    return errorReply(stanza, "cancel", "item-not-found", NODE_NOT_FOUND_TEXT);
  });
}
