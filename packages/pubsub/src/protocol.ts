import { Element, errorReply, NS, reply, StanzaError } from "@canto/stanza";
import { buildConfigForm, type NodeConfig, readConfigForm } from "./config.js";
import { PubsubError } from "./errors.js";
import type { PubsubItem } from "./items.js";
import {
  AFFILIATIONS,
  type Affiliation,
  type NodeView,
  type Notification,
  type PubsubService,
  type Recipient,
  type Subscription,
  type SubscriptionState,
} from "./service.js";

// XEP-0060's wire format: `<pubsub/>` and `<pubsub#owner/>` IQ payloads become PubsubService
// calls, results and errors become replies, notifications become `<message/>`s.

export interface HandleOptions {
  /** Add `publisher` to items in replies and notifications (Prosody's `expose_publisher`). */
  exposePublisher?: boolean;
}

function elements(el: Element): Element[] {
  return el.children.filter((c): c is Element => c instanceof Element);
}

function attr(el: Element, name: string): string | undefined {
  const v: unknown = el.attrs[name];
  return typeof v === "string" ? v : undefined;
}

function requiredNode(el: Element): string {
  const node = attr(el, "node");
  if (node === undefined || node === "")
    throw new PubsubError("nodeid-required", `<${el.name}/> needs a node`);
  return node;
}

function truthy(v: string | undefined): boolean {
  return v === "1" || v === "true";
}

/**
 * Answers an XEP-0060 IQ (`<pubsub/>` or `<pubsub xmlns="…#owner"/>`) from `from` (the sender's
 * full JID) with `service`: resolves to the reply (a result or the XEP-0060 error), never rejects
 * for a request's fault; a failing store rejects.
 */
export async function handlePubsubIq(
  service: PubsubService,
  stanza: Element,
  from: string,
  options: HandleOptions = {},
): Promise<Element> {
  try {
    return await dispatch(service, stanza, from, options);
  } catch (error) {
    if (error instanceof StanzaError) return errorReply(stanza, error);
    throw error;
  }
}

async function dispatch(
  service: PubsubService,
  stanza: Element,
  from: string,
  options: HandleOptions,
): Promise<Element> {
  const type = stanza.attrs.type;
  const owner = stanza.getChild("pubsub", NS.pubsub_owner);
  const pubsub = owner ?? stanza.getChild("pubsub", NS.pubsub);
  if (!pubsub || (type !== "get" && type !== "set")) {
    throw new PubsubError("bad-request", "Not a pubsub request");
  }
  const children = elements(pubsub);
  const action = children[0];
  if (action === undefined) throw new PubsubError("bad-request", "The request names no action");
  const key = `${owner ? "owner" : "user"}/${type}/${action.name}`;
  switch (key) {
    case "user/set/create":
      return create(service, stanza, from, action, pubsub.getChild("configure"));
    case "user/set/publish":
      return publish(service, stanza, from, action, pubsub.getChild("publish-options"));
    case "user/set/retract": {
      const node = requiredNode(action);
      const items = action.getChildren("item");
      const id = items[0] === undefined ? undefined : attr(items[0], "id");
      if (items.length !== 1 || id === undefined || id === "") {
        throw new PubsubError("item-required", "Retract one <item id=…/>");
      }
      await service.retract(from, node, id, truthy(attr(action, "notify")) || undefined);
      return reply(stanza);
    }
    case "user/set/subscribe": {
      const node = requiredNode(action);
      const jid = attr(action, "jid");
      if (jid === undefined || jid === "") throw new PubsubError("invalid-jid", "<subscribe/> needs a jid");
      const sub = await service.subscribe(from, node, jid);
      const answer = reply(stanza);
      answer.c("pubsub", { xmlns: NS.pubsub }).cnode(subscriptionElement(sub, true));
      return answer;
    }
    case "user/set/unsubscribe": {
      const node = requiredNode(action);
      const jid = attr(action, "jid");
      if (jid === undefined || jid === "") throw new PubsubError("invalid-jid", "<unsubscribe/> needs a jid");
      await service.unsubscribe(from, node, jid);
      return reply(stanza);
    }
    case "user/get/items":
      return items(service, stanza, from, action, pubsub, options);
    case "user/get/subscriptions": {
      const subs = await service.getSubscriptions(from, attr(action, "node"));
      const answer = reply(stanza);
      const list = answer
        .c("pubsub", { xmlns: NS.pubsub })
        .c("subscriptions", nodeAttr(attr(action, "node")));
      for (const sub of subs) list.cnode(subscriptionElement(sub, true));
      return answer;
    }
    case "user/get/affiliations": {
      const affs = await service.getAffiliations(from, attr(action, "node"));
      const answer = reply(stanza);
      const list = answer.c("pubsub", { xmlns: NS.pubsub }).c("affiliations", nodeAttr(attr(action, "node")));
      for (const a of affs) list.c("affiliation", { node: a.node, affiliation: a.affiliation });
      return answer;
    }
    case "user/get/options":
    case "user/set/options":
      throw new PubsubError("unsupported", "Subscription options are not supported", "subscription-options");
    case "owner/get/configure": {
      const node = requiredNode(action);
      const config = await service.getNodeConfig(from, node);
      const answer = reply(stanza);
      answer.c("pubsub", { xmlns: NS.pubsub_owner }).c("configure", { node }).cnode(buildConfigForm(config));
      return answer;
    }
    case "owner/get/default": {
      const answer = reply(stanza);
      answer
        .c("pubsub", { xmlns: NS.pubsub_owner })
        .c("default")
        .cnode(buildConfigForm(service.nodeDefaults));
      return answer;
    }
    case "owner/set/configure": {
      const node = requiredNode(action);
      const form = action.getChild("x", NS.data_forms);
      if (!form) throw new PubsubError("bad-request", "<configure/> needs a data form");
      if (form.attrs.type === "cancel") return reply(stanza);
      const { config } = readConfigForm(form, NS.pubsub_node_config, "bad-request", "not-acceptable");
      await service.configureNode(from, node, config);
      return reply(stanza);
    }
    case "owner/set/delete": {
      const node = requiredNode(action);
      const redirect = action.getChild("redirect");
      await service.deleteNode(from, node, redirect ? attr(redirect, "uri") : undefined);
      return reply(stanza);
    }
    case "owner/set/purge":
      await service.purge(from, requiredNode(action));
      return reply(stanza);
    case "owner/get/subscriptions": {
      const node = requiredNode(action);
      const subs = await service.getNodeSubscriptions(from, node);
      const answer = reply(stanza);
      const list = answer.c("pubsub", { xmlns: NS.pubsub_owner }).c("subscriptions", { node });
      for (const sub of subs) list.cnode(subscriptionElement(sub, false));
      return answer;
    }
    case "owner/set/subscriptions": {
      const node = requiredNode(action);
      const changes = action.getChildren("subscription").map((s) => {
        const jid = attr(s, "jid");
        const subscription = attr(s, "subscription");
        if (!jid) throw new PubsubError("invalid-jid", "Each <subscription/> needs a jid");
        if (subscription !== "none" && subscription !== "subscribed" && subscription !== "pending") {
          throw new PubsubError("bad-request", `Unknown subscription state ${JSON.stringify(subscription)}`);
        }
        return { jid, subscription: subscription as SubscriptionState | "none" };
      });
      await service.setSubscriptions(from, node, changes);
      return reply(stanza);
    }
    case "owner/get/affiliations": {
      const node = requiredNode(action);
      const affs = await service.getNodeAffiliations(from, node);
      const answer = reply(stanza);
      const list = answer.c("pubsub", { xmlns: NS.pubsub_owner }).c("affiliations", { node });
      for (const a of affs) list.c("affiliation", { jid: a.jid, affiliation: a.affiliation });
      return answer;
    }
    case "owner/set/affiliations": {
      const node = requiredNode(action);
      const changes = action.getChildren("affiliation").map((a) => {
        const jid = attr(a, "jid");
        const affiliation = attr(a, "affiliation");
        if (!jid) throw new PubsubError("invalid-jid", "Each <affiliation/> needs a jid");
        if (!AFFILIATIONS.includes(affiliation as Affiliation)) {
          throw new PubsubError("bad-request", `Unknown affiliation ${JSON.stringify(affiliation)}`);
        }
        return { jid, affiliation: affiliation as Affiliation };
      });
      await service.setAffiliations(from, node, changes);
      return reply(stanza);
    }
    default:
      throw new PubsubError("unsupported", `<${action.name}/> in a ${type} is not supported`, action.name);
  }
}

function nodeAttr(node: string | undefined): Record<string, string> {
  return node === undefined ? {} : { node };
}

async function create(
  service: PubsubService,
  stanza: Element,
  from: string,
  action: Element,
  configure: Element | undefined,
): Promise<Element> {
  const requested = attr(action, "node");
  let config: Partial<NodeConfig> | undefined;
  const form = configure?.getChild("x", NS.data_forms);
  if (form) config = readConfigForm(form, NS.pubsub_node_config, "bad-request", "not-acceptable").config;
  const node = await service.createNode(from, requested === "" ? undefined : requested, config);
  const answer = reply(stanza);
  if (requested === undefined || requested === "") {
    answer.c("pubsub", { xmlns: NS.pubsub }).c("create", { node });
  }
  return answer;
}

async function publish(
  service: PubsubService,
  stanza: Element,
  from: string,
  action: Element,
  publishOptions: Element | undefined,
): Promise<Element> {
  const node = requiredNode(action);
  const list = action.getChildren("item");
  if (list.length === 0) throw new PubsubError("item-required", "<publish/> needs an <item/>");
  if (list.length > 1) throw new PubsubError("bad-request", "Publish one item at a time");
  const item = list[0]!;
  const payloads = elements(item);
  if (payloads.length > 1) throw new PubsubError("invalid-payload", "An item carries one payload");
  let preconditions: Partial<NodeConfig> | undefined;
  if (publishOptions) {
    const form = publishOptions.getChild("x", NS.data_forms);
    if (form) {
      const parsed = readConfigForm(form, NS.pubsub_publish_options, "invalid-options", "invalid-options");
      if (parsed.unknown.length > 0) {
        throw new PubsubError("precondition-not-met", `Unknown publish option ${parsed.unknown[0]}`);
      }
      preconditions = parsed.config;
    } else if (elements(publishOptions).length > 0) {
      throw new PubsubError("invalid-options", "<publish-options/> holds one data form");
    }
  }
  const requestedId = attr(item, "id");
  const id = await service.publish(
    from,
    node,
    requestedId === "" ? undefined : requestedId,
    payloads[0],
    preconditions,
  );
  const answer = reply(stanza);
  answer.c("pubsub", { xmlns: NS.pubsub }).c("publish", { node }).c("item", { id });
  return answer;
}

function positive(text: string | undefined, what: string): number | undefined {
  if (text === undefined) return undefined;
  if (!/^\d{1,9}$/.test(text.trim())) throw new PubsubError("bad-request", `${what} must be a whole number`);
  return Number(text.trim());
}

async function items(
  service: PubsubService,
  stanza: Element,
  from: string,
  action: Element,
  pubsub: Element,
  options: HandleOptions,
): Promise<Element> {
  const node = requiredNode(action);
  const ids = action
    .getChildren("item")
    .map((i) => attr(i, "id"))
    .filter((id): id is string => id !== undefined);
  const maxItems = positive(attr(action, "max_items"), "max_items");
  const set = pubsub.getChild("set", NS.rsm);
  const query: { ids?: string[]; max?: number; after?: string; before?: string } = {};
  if (ids.length > 0) query.ids = ids;
  if (maxItems !== undefined) query.max = maxItems;
  if (set) {
    const max = positive(set.getChildText("max") ?? undefined, "<max/>");
    if (max !== undefined) query.max = maxItems === undefined ? max : Math.min(max, maxItems);
    const after = set.getChild("after");
    const before = set.getChild("before");
    if (after) query.after = after.getText();
    if (before) query.before = before.getText();
  }
  const result = await service.getItems(from, node, query);
  const answer = reply(stanza);
  const ps = answer.c("pubsub", { xmlns: NS.pubsub });
  const list = ps.c("items", { node });
  for (const item of result.items) list.cnode(itemElement(item, true, options.exposePublisher === true));
  if (set) {
    const out = ps.c("set", { xmlns: NS.rsm });
    const first = result.items[0];
    const last = result.items.at(-1);
    if (first) out.c("first").t(first.id);
    if (last) out.c("last").t(last.id);
    out.c("count").t(String(result.count));
  }
  return answer;
}

/** `<item id=…>payload</item>` (the payload left out when `withPayload` is false). */
export function itemElement(item: PubsubItem, withPayload: boolean, exposePublisher = false): Element {
  const el = new Element("item", { id: item.id });
  if (exposePublisher && item.publisher !== undefined) el.attrs.publisher = item.publisher;
  if (withPayload && item.payload) el.cnode(item.payload);
  return el;
}

function subscriptionElement(sub: Subscription, withNode: boolean): Element {
  const attrs: Record<string, string> = { jid: sub.jid, subscription: sub.subscription, subid: sub.subid };
  if (withNode) attrs.node = sub.node;
  return new Element("subscription", attrs);
}

/**
 * The payload of a notification: `<event xmlns="…#event"/>` (or, for a subscription change,
 * `<pubsub/>`), built once and shared by every message of a fan-out.
 */
export function notificationPayload(notification: Notification, options: HandleOptions = {}): Element {
  const n = notification;
  if (n.kind === "subscription") {
    const s = n.subscription;
    const attrs: Record<string, string> = { node: n.node, jid: s.jid, subscription: s.subscription };
    if ("subid" in s) attrs.subid = s.subid;
    return new Element("pubsub", { xmlns: NS.pubsub }).c("subscription", attrs).root();
  }
  const event = new Element("event", { xmlns: NS.pubsub_event });
  switch (n.kind) {
    case "items": {
      const list = event.c("items", { node: n.node });
      for (const item of n.items) list.cnode(itemElement(item, true, options.exposePublisher === true));
      break;
    }
    case "retract": {
      const list = event.c("items", { node: n.node });
      for (const id of n.ids) list.c("retract", { id });
      break;
    }
    case "purge":
      event.c("purge", { node: n.node });
      break;
    case "delete": {
      const del = event.c("delete", { node: n.node });
      if (n.redirect !== undefined) del.c("redirect", { uri: n.redirect });
      break;
    }
    case "config": {
      const conf = event.c("configuration", { node: n.node });
      if (n.config) conf.cnode(buildConfigForm(n.config, "result"));
      break;
    }
  }
  return event;
}

/**
 * The `<message/>`s of a notification (`type` `headline` unless told), one per recipient, from `from`. The payload
 * element is shared between them: treat the messages as read-only (clone one to change it).
 */
export function notificationMessages(
  from: string,
  notification: Notification,
  recipients: readonly Recipient[],
  options: HandleOptions & { payload?: Element; type?: "headline" | "normal" } = {},
): Element[] {
  const type = options.type ?? "headline";
  const payload = options.payload ?? notificationPayload(notification, options);
  let delay: Element | undefined;
  if (notification.kind === "items" && notification.last === true && notification.items[0]) {
    delay = new Element("delay", {
      xmlns: NS.delay,
      from,
      stamp: new Date(notification.items[0].when * 1000).toISOString(),
    });
  }
  const out: Element[] = new Array(recipients.length);
  for (let i = 0; i < recipients.length; i++) {
    const msg = new Element("message", { from, to: recipients[i]!.jid, type });
    msg.children.push(payload);
    if (delay) msg.children.push(delay);
    out[i] = msg;
  }
  return out;
}

export type { NodeView };
