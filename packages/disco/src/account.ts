import { bareOf } from "@canto/stanza";
import type { Element } from "ltx";
import { NS_DISCO_INFO, NS_DISCO_ITEMS } from "./namespaces.js";
import { type Awaitable, answerNode, type NodeHandler, nodeOf, queryOf } from "./node.js";
import { reply as resultReply } from "./reply.js";

/** The bare form of a JID: without its resource (`bareOf` of @canto/stanza, kept under this name). */
export const bareJid: (jid: string) => string = bareOf;

/** Options of {@link accountInfo} and {@link accountItems}: who may see the account, and how. */
export interface AccountDiscoOptions {
  /**
   * The requester's full JID. Defaults to the stanza's `from`, which the server stamps on what a
   * client sends. A query without `to` is about this JID's own account.
   */
  origin?: string;
  /** Is this account (bare JID) an admin (Prosody: `disco:be-discovered-admin`)? Default: no one. */
  isAdmin?: (account: string) => Awaitable<boolean>;
  /** Is `contact` (bare JID) subscribed to `account`'s presence (`from` or `both`)? Default: no. */
  isContactSubscribed?: (account: string, contact: string) => Awaitable<boolean>;
  /** `disco_expose_admins`: anyone may discover admin accounts. Default `false`. */
  exposeAdmins?: boolean;
  /** The host uses anonymous authentication: non-admin accounts are `account/anonymous`. */
  anonymous?: boolean;
  /** Answers queries with a `node` (Prosody's `account-disco-info-node` / `-items-node`). */
  onNode?: NodeHandler;
}

/** What account extension points are given; `account` is the queried bare JID. */
export interface AccountRequest {
  stanza: Element;
  account: string;
  reply: Element;
  query: Element;
}

/** Options of {@link accountInfo}. */
export interface AccountInfoOptions extends AccountDiscoOptions {
  /** Adds to the answer (Prosody's `account-disco-info`), e.g. PEP features. */
  onInfo?: (request: AccountRequest) => Awaitable<void>;
}

/** Options of {@link accountItems}. */
export interface AccountItemsOptions extends AccountDiscoOptions {
  /** Adds items (Prosody's `account-disco-items`), e.g. PEP nodes. */
  onItems?: (request: AccountRequest) => Awaitable<void>;
}

/** Which account a query is about and whether the requester may see it; `undefined` when it may not. */
async function visibleAccount(
  stanza: Element,
  options: AccountDiscoOptions,
): Promise<{ account: string; isAdmin: boolean } | undefined> {
  const to: unknown = stanza.attrs.to;
  const origin = options.origin ?? (stanza.attrs.from as string | undefined);
  const requester = origin === undefined ? undefined : bareJid(origin);
  const account = typeof to === "string" ? bareJid(to) : requester;
  if (account === undefined) return undefined;
  const isAdmin = options.isAdmin ? await options.isAdmin(account) : false;
  if (requester === account) return { account, isAdmin };
  if (options.exposeAdmins && isAdmin) return { account, isAdmin };
  if (requester === undefined || !options.isContactSubscribed) return undefined;
  return (await options.isContactSubscribed(account, requester)) ? { account, isAdmin } : undefined;
}

function prepareReply(stanza: Element, account: string): Element {
  const reply = resultReply(stanza);
  // A self-query has no `to`; some clients want to see whose info this is.
  reply.attrs.from ??= account;
  return reply;
}

/**
 * Answers a `disco#info` query to an account's bare JID. Resolves to `undefined` when the
 * requester may not see the account (it is not the account itself, not subscribed to its presence,
 * and admins are not exposed or it is no admin): the caller then lets the query fall through to
 * `service-unavailable`, as Prosody does.
 *
 * The answer holds the identity `account/admin`, `account/anonymous` or `account/registered`, the
 * `disco#info` and `disco#items` features, and what `onInfo` adds.
 */
export async function accountInfo(
  stanza: Element,
  options: AccountInfoOptions = {},
): Promise<Element | undefined> {
  const node = nodeOf(queryOf(stanza, NS_DISCO_INFO));
  const visible = await visibleAccount(stanza, options);
  if (!visible) return undefined;
  const { account, isAdmin } = visible;
  if (node !== undefined && node !== "") {
    return answerNode(stanza, NS_DISCO_INFO, node, options.onNode, (reply) => {
      reply.attrs.from ??= account;
    });
  }
  const reply = prepareReply(stanza, account);
  const query = reply.c("query", { xmlns: NS_DISCO_INFO });
  const type = isAdmin ? "admin" : options.anonymous ? "anonymous" : "registered";
  query.c("identity", { category: "account", type });
  query.c("feature", { var: NS_DISCO_INFO });
  query.c("feature", { var: NS_DISCO_ITEMS });
  await options.onInfo?.({ stanza, account, reply, query });
  return reply;
}

/**
 * Answers a `disco#items` query to an account's bare JID, with the visibility rules of
 * {@link accountInfo}: the items are what `onItems` adds.
 */
export async function accountItems(
  stanza: Element,
  options: AccountItemsOptions = {},
): Promise<Element | undefined> {
  const node = nodeOf(queryOf(stanza, NS_DISCO_ITEMS));
  const visible = await visibleAccount(stanza, options);
  if (!visible) return undefined;
  const { account } = visible;
  if (node !== undefined && node !== "") {
    return answerNode(stanza, NS_DISCO_ITEMS, node, options.onNode, (reply) => {
      reply.attrs.from ??= account;
    });
  }
  const reply = prepareReply(stanza, account);
  const query = reply.c("query", { xmlns: NS_DISCO_ITEMS });
  await options.onItems?.({ stanza, account, reply, query });
  return reply;
}
