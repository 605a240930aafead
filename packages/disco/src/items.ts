import type { Element } from "ltx";
import { DiscoError } from "./errors.js";
import { NS_DISCO_ITEMS } from "./namespaces.js";
import { type Awaitable, andThen, answerNode, type NodeHandler, nodeOf, queryOf } from "./node.js";
import { reply as resultReply } from "./reply.js";

/** One `<item/>` of a `disco#items` answer. */
export interface DiscoItem {
  jid: string;
  name?: string;
  node?: string;
}

/** What an items extension point is given: add `<item/>`s to `query`. */
export interface ItemsRequest {
  stanza: Element;
  reply: Element;
  query: Element;
}

/**
 * An items extension point (Prosody's `host-disco-items` / `account-disco-items`). Returning an
 * `Element` answers with it instead; returning nothing lets the answer go on.
 */
export type ItemsHandler = (request: ItemsRequest) => Awaitable<Element | undefined>;

/** Options of {@link hostItems}. */
export interface HostItemsOptions {
  /** The host's child components, e.g. from {@link childHosts}. Called per query. */
  childComponents?: () => Iterable<DiscoItem>;
  /** The `disco_items` option, e.g. from {@link parseDiscoItems}. */
  items?: readonly DiscoItem[];
  /** Runs first, before children and configured items are added. */
  onItems?: ItemsHandler;
  /** Answers queries with a `node` (Prosody's `host-disco-items-node`); without it: `item-not-found`. */
  onNode?: NodeHandler;
}

/** Appends `<item jid name node/>` to a `disco#items` query. */
export function addItem(query: Element, item: DiscoItem): void {
  query.c("item", { jid: item.jid, name: item.name, node: item.node });
}

/**
 * Answers a `disco#items` query to a host: `onItems` first, then the child components, then the
 * configured items. A query with a non-empty `node` goes to `onNode`. Synchronous unless a
 * callback returns a promise.
 */
export function hostItems(stanza: Element, options: HostItemsOptions = {}): Awaitable<Element> {
  const node = nodeOf(queryOf(stanza, NS_DISCO_ITEMS));
  if (node !== undefined && node !== "") return answerNode(stanza, NS_DISCO_ITEMS, node, options.onNode);
  const reply = resultReply(stanza);
  const query = reply.c("query", { xmlns: NS_DISCO_ITEMS });
  const first = options.onItems ? options.onItems({ stanza, reply, query }) : undefined;
  return andThen(first, (answer) => {
    if (answer) return answer;
    for (const item of options.childComponents?.() ?? []) addItem(query, item);
    for (const item of options.items ?? []) addItem(query, item);
    return reply;
  });
}

/** A host as {@link childHosts} sees it. */
export interface HostEntry {
  host: string;
  /** The host's `name` option, shown as the item's name. */
  name?: string;
  /** The host's `disco_hidden` option. */
  hidden?: boolean;
}

/**
 * The child hosts of `host`, as Prosody lists them: every host whose name, after its first label,
 * is `host` (`conference.example.com` under `example.com`), unless hidden.
 */
export function childHosts(host: string, hosts: Iterable<HostEntry>): DiscoItem[] {
  const out: DiscoItem[] = [];
  for (const entry of hosts) {
    if (entry.hidden) continue;
    const dot = entry.host.indexOf(".");
    if (dot < 0 || entry.host.slice(dot + 1) !== host) continue;
    out.push(entry.name === undefined ? { jid: entry.host } : { jid: entry.host, name: entry.name });
  }
  return out;
}

/**
 * Reads the `disco_items` option: a list of `[jid, name?]` pairs (Prosody's `{ "jid", "name" }`) or
 * `{ jid, name? }` objects. One malformed entry rejects the whole option, as in Prosody: throws
 * `DiscoError` `bad-disco-items` saying which entry and why.
 */
export function parseDiscoItems(value: unknown): DiscoItem[] {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value)) throw new DiscoError("bad-disco-items", "disco_items must be a list");
  return value.map((entry: unknown, i) => {
    let jid: unknown;
    let name: unknown;
    if (Array.isArray(entry)) {
      [jid, name] = entry;
    } else if (typeof entry === "object" && entry !== null) {
      ({ jid, name } = entry as { jid?: unknown; name?: unknown });
    } else {
      throw new DiscoError("bad-disco-items", `disco_items[${i}] is not a list or an object`);
    }
    if (typeof jid !== "string" || jid === "") {
      throw new DiscoError("bad-disco-items", `disco_items[${i}]: the jid is not a string`);
    }
    if (name !== undefined && name !== null && typeof name !== "string") {
      throw new DiscoError("bad-disco-items", `disco_items[${i}]: the name is not a string`);
    }
    return typeof name === "string" ? { jid, name } : { jid };
  });
}
