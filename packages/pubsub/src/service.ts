import { randomUUID } from "node:crypto";
import type { Element } from "@canto/stanza";
import type { ArchiveStore, KeyvalStore, StoredValue } from "@canto/storage";
import {
  DEFAULT_NODE_CONFIG,
  decodeMaxItems,
  encodeMaxItems,
  meetsPreconditions,
  type NodeConfig,
} from "./config.js";
import { PubsubError } from "./errors.js";
import {
  archiveItems,
  type ItemStore,
  keyvalItems,
  memoryItems,
  type PageQuery,
  type PubsubItem,
} from "./items.js";

export type Affiliation = "owner" | "publisher" | "member" | "none" | "outcast";
export const AFFILIATIONS: readonly Affiliation[] = ["owner", "publisher", "member", "none", "outcast"];
export type SubscriptionState = "subscribed" | "pending";

export interface Subscription {
  node: string;
  jid: string;
  subscription: SubscriptionState;
  subid: string;
}

type Awaitable<T> = T | Promise<T>;

/**
 * How the service learns about the owner's contacts, for the `presence` and `roster` access
 * models. PEP plugs the account's roster in here; a component service may leave it out (then
 * nobody passes those checks but affiliated entities).
 */
export interface Relationship {
  /** Has bare JID `jid` a presence subscription to `owner` (subscription `from` or `both`)? */
  isSubscribed?(owner: string, jid: string): Awaitable<boolean>;
  /** Is bare JID `jid` in one of `groups` of `owner`'s roster? */
  inRosterGroups?(owner: string, jid: string, groups: readonly string[]): Awaitable<boolean>;
}

/** A notification for the module layer to turn into messages. */
export type Notification =
  | { kind: "items"; node: string; items: PubsubItem[]; actor: string | undefined; last?: boolean }
  | { kind: "retract"; node: string; ids: string[]; actor: string | undefined }
  | { kind: "purge"; node: string; actor: string | undefined }
  | { kind: "delete"; node: string; redirect: string | undefined; actor: string | undefined }
  | { kind: "config"; node: string; config: NodeConfig | undefined; actor: string | undefined }
  | {
      kind: "subscription";
      node: string;
      subscription: Subscription | { jid: string; subscription: "none"; node: string };
    };

export interface Recipient {
  jid: string;
  subid: string | undefined;
}

/** What a broadcaster sees of a node. */
export interface NodeView {
  name: string;
  config: Readonly<NodeConfig>;
  affiliations: Readonly<Record<string, Affiliation>>;
}

/**
 * Receives every notification with its recipients (the node's subscribers, already filtered by
 * `deliver_notifications`); PEP adds recipients of its own (`+notify`).
 */
export type Broadcaster = (
  notification: Notification,
  recipients: Recipient[],
  node: NodeView,
) => Awaitable<void>;

/** Prosody's service events (`item-published/<node>`, `node-created`, ...) with their data. */
export type EventSink = (name: string, data: Record<string, unknown>) => void;

export interface PubsubLimits {
  /** Highest `max_items` a node may have, also what `max` means (Prosody's `pubsub_max_items`). */
  maxItems?: number;
  /** Largest serialized item payload, in bytes. */
  maxItemSize?: number;
  maxNodeNameLength?: number;
  maxItemIdLength?: number;
}

export interface PubsubServiceOptions {
  /** The service's address: a component's domain, or an account's bare JID for PEP. */
  jid: string;
  /** Node configurations, affiliations and subscriptions: one document under `user`. */
  nodes: KeyvalStore;
  /**
   * Persistent items, one archive user per node (`<user>/<node>`, or `<node>` when `user` is
   * unset). A keyval store works too (one document per node), for drivers without archives.
   */
  items: ArchiveStore | KeyvalStore;
  /** The store user (an account's localpart for PEP); unset for a host-level service. */
  user?: string | undefined;
  relationship?: Relationship;
  broadcaster?: Broadcaster;
  events?: EventSink;
  /** Defaults for new nodes, over {@link DEFAULT_NODE_CONFIG}. */
  nodeDefaults?: Partial<NodeConfig>;
  limits?: PubsubLimits;
  autocreateOnPublish?: boolean;
  autocreateOnSubscribe?: boolean;
  /** A service-wide affiliation (admins: `owner`), over every node's own. */
  serviceAffiliation?(jid: string): Affiliation | undefined;
  /** May bare JID `jid` create nodes? Default: anyone. */
  mayCreate?(jid: string): Awaitable<boolean>;
  /** Seconds since the epoch. */
  clock?: () => number;
  newId?: () => string;
}

interface NodeState {
  name: string;
  config: NodeConfig;
  affiliations: Record<string, Affiliation>;
  subscriptions: Record<string, { subscription: SubscriptionState; subid: string }>;
  created: number;
  items: ItemStore;
}

/** The actor `true`: the service itself, allowed everything (Prosody's `true` actor). */
export const SERVICE_ACTOR = true;
export type Actor = string | typeof SERVICE_ACTOR;

export interface GetItemsOptions extends PageQuery {
  /** Only these item ids. */
  ids?: readonly string[];
}

export const DEFAULT_LIMITS: Required<PubsubLimits> = {
  maxItems: 256,
  maxItemSize: 256 * 1024,
  maxNodeNameLength: 1023,
  maxItemIdLength: 1023,
};

/** A JID without its resource. */
export function bare(jid: string): string {
  const slash = jid.indexOf("/");
  return slash < 0 ? jid : jid.slice(0, slash);
}

/**
 * An XEP-0060 publish-subscribe service: nodes, items, subscriptions and affiliations on
 * `@canto/storage` stores, with no transport of its own. Every method checks the actor's rights
 * and rejects with a {@link PubsubError}. Writes are applied one at a time, in call order.
 */
export class PubsubService {
  readonly jid: string;
  readonly limits: Required<PubsubLimits>;
  readonly #o: PubsubServiceOptions;
  readonly #defaults: NodeConfig;
  #nodes: Map<string, NodeState> | undefined;
  #loading: Promise<Map<string, NodeState>> | undefined;
  #queue: Promise<unknown> = Promise.resolve();
  readonly #clock: () => number;
  readonly #newId: () => string;

  constructor(options: PubsubServiceOptions) {
    this.#o = options;
    this.jid = options.jid;
    this.limits = { ...DEFAULT_LIMITS, ...stripUndefined(options.limits ?? {}) };
    this.#defaults = { ...DEFAULT_NODE_CONFIG, ...stripUndefined(options.nodeDefaults ?? {}) };
    this.#clock = options.clock ?? (() => Date.now() / 1000);
    this.#newId = options.newId ?? randomUUID;
  }

  /** The configuration a new node gets. */
  get nodeDefaults(): NodeConfig {
    return { ...this.#defaults, roster_groups_allowed: [...this.#defaults.roster_groups_allowed] };
  }

  // --- nodes -------------------------------------------------------------------------------

  /** Creates `node` (a generated name when `undefined`: an instant node) and resolves to its name. */
  async createNode(actor: Actor, node: string | undefined, config?: Partial<NodeConfig>): Promise<string> {
    return this.#write(async (nodes) => {
      const name = node ?? this.#newId();
      this.#checkNodeName(name);
      if (actor !== SERVICE_ACTOR && !(await this.#mayCreate(actor))) {
        throw new PubsubError("forbidden", "You may not create nodes on this service");
      }
      if (nodes.has(name)) throw new PubsubError("conflict", `Node ${name} already exists`);
      await this.#create(nodes, name, actor, config);
      return name;
    });
  }

  /** Deletes `node`; subscribers are told (with `redirect`, when given). */
  deleteNode(actor: Actor, node: string, redirect?: string): Promise<void> {
    return this.#write(async (nodes) => {
      const state = this.#node(nodes, node);
      this.#requireOwner(state, actor);
      const recipients = this.#recipients(state);
      nodes.delete(node);
      await this.#save(nodes);
      await state.items.clear();
      this.#fire("node-deleted", { node, actor: actorJid(actor) });
      if (state.config.notify_delete) {
        await this.#broadcast({ kind: "delete", node, redirect, actor: actorJid(actor) }, recipients, state);
      }
    });
  }

  /** The node's configuration (owners only). */
  async getNodeConfig(actor: Actor, node: string): Promise<NodeConfig> {
    const state = this.#node(await this.#load(), node);
    this.#requireOwner(state, actor);
    return cloneConfig(state.config);
  }

  /** Changes some of a node's configuration (owners only); trims items to a lower `max_items`. */
  configureNode(actor: Actor, node: string, changes: Partial<NodeConfig>): Promise<NodeConfig> {
    return this.#write(async (nodes) => {
      const state = this.#node(nodes, node);
      this.#requireOwner(state, actor);
      const config = this.#validConfig({ ...state.config, ...stripUndefined(changes) });
      const old = state.config;
      state.config = config;
      if (old.persist_items !== config.persist_items) state.items = this.#itemStore(node, config);
      await this.#save(nodes);
      await state.items.trim(this.#effectiveMax(config));
      this.#fire("node-reconfigured", { node, actor: actorJid(actor), config: cloneConfig(config) });
      if (config.notify_config) {
        await this.#broadcast(
          {
            kind: "config",
            node,
            config: config.deliver_payloads ? cloneConfig(config) : undefined,
            actor: actorJid(actor),
          },
          this.#recipients(state),
          state,
        );
      }
      return cloneConfig(config);
    });
  }

  /** Every node's name and title (Prosody lists them all, whatever their access model). */
  async listNodes(): Promise<{ name: string; title: string }[]> {
    const nodes = await this.#load();
    return [...nodes.values()].map((n) => ({ name: n.name, title: n.config.title }));
  }

  /** Does `node` exist? */
  async hasNode(node: string): Promise<boolean> {
    return (await this.#load()).has(node);
  }

  // --- items -------------------------------------------------------------------------------

  /**
   * Publishes an item (a generated id when `id` is `undefined`) and resolves to its id.
   * `preconditions` are the publish-options: a missing node is created with them (when autocreate
   * is on); an existing one must have them, else `precondition-not-met`.
   */
  async publish(
    actor: Actor,
    node: string,
    id: string | undefined,
    payload: Element | undefined,
    preconditions?: Partial<NodeConfig>,
  ): Promise<string> {
    this.#checkNodeName(node);
    if (id !== undefined) this.#checkItemId(id);
    if (payload !== undefined) {
      const size = Buffer.byteLength(payload.toString());
      if (size > this.limits.maxItemSize) {
        throw new PubsubError(
          "payload-too-big",
          `The item is ${size} bytes; this service takes at most ${this.limits.maxItemSize}`,
        );
      }
    }
    return this.#write(async (nodes) => {
      let state = nodes.get(node);
      if (state === undefined) {
        if (!this.#o.autocreateOnPublish) throw new PubsubError("item-not-found", `No node ${node}`);
        if (actor !== SERVICE_ACTOR && !(await this.#mayCreate(actor))) {
          throw new PubsubError("forbidden", "You may not create nodes on this service");
        }
        state = await this.#create(nodes, node, actor, preconditions);
      } else {
        await this.#requirePublisher(state, actor);
        if (preconditions !== undefined) {
          const unmet = meetsPreconditions(state.config, preconditions);
          if (unmet !== undefined) {
            throw new PubsubError("precondition-not-met", `The node's ${unmet} is not what was asked`);
          }
        }
      }
      if (payload === undefined && state.config.deliver_payloads && state.config.persist_items) {
        throw new PubsubError("payload-required", "This node needs a payload in each item");
      }
      const item: PubsubItem = {
        id: id ?? this.#newId(),
        payload,
        publisher: actorJid(actor),
        when: this.#clock(),
      };
      await state.items.put(item);
      await state.items.trim(this.#effectiveMax(state.config));
      const data = { node, actor: actorJid(actor), id: item.id, item: payload };
      this.#fire(`item-published/${node}`, data);
      this.#fire("item-published", data);
      await this.#broadcast(
        { kind: "items", node, items: [item], actor: actorJid(actor) },
        this.#recipients(state),
        state,
      );
      return item.id;
    });
  }

  /** Deletes an item (its publisher, publishers and owners); `notify` tells subscribers. */
  async retract(actor: Actor, node: string, id: string, notify?: boolean): Promise<void> {
    this.#checkItemId(id);
    return this.#write(async (nodes) => {
      const state = this.#node(nodes, node);
      const item = await state.items.get(id);
      const aff = this.#affiliation(state, actor);
      const own = item !== undefined && actor !== SERVICE_ACTOR && item.publisher === bare(actor);
      if (aff !== "owner" && aff !== "publisher" && !own) {
        throw new PubsubError("forbidden", "Only publishers and owners may retract items");
      }
      if (item === undefined) throw new PubsubError("item-not-found", `No item ${id} in ${node}`);
      await state.items.delete(id);
      this.#fire("item-retracted", { node, actor: actorJid(actor), id, item: item.payload });
      if (notify ?? state.config.notify_retract) {
        await this.#broadcast(
          { kind: "retract", node, ids: [id], actor: actorJid(actor) },
          this.#recipients(state),
          state,
        );
      }
    });
  }

  /** Deletes every item of a node (owners only). */
  purge(actor: Actor, node: string): Promise<void> {
    return this.#write(async (nodes) => {
      const state = this.#node(nodes, node);
      this.#requireOwner(state, actor);
      await state.items.clear();
      this.#fire("node-purged", { node, actor: actorJid(actor) });
      if (state.config.notify_retract) {
        await this.#broadcast(
          { kind: "purge", node, actor: actorJid(actor) },
          this.#recipients(state),
          state,
        );
      }
    });
  }

  /** Items of a node, newest first (XEP-0059 page), after the access model's checks. */
  async getItems(
    actor: Actor,
    node: string,
    options: GetItemsOptions = {},
  ): Promise<{ items: PubsubItem[]; count: number }> {
    const state = this.#node(await this.#load(), node);
    await this.#requireAccess(state, actor);
    if (options.ids !== undefined && options.ids.length > 0) {
      for (const id of options.ids) this.#checkItemId(id);
      const found: PubsubItem[] = [];
      for (const id of options.ids) {
        const item = await state.items.get(id);
        if (item) found.push(item);
      }
      if (found.length === 0) throw new PubsubError("item-not-found", `No such item in ${node}`);
      return { items: found, count: found.length };
    }
    return state.items.page(options);
  }

  /** One item by id, after the access checks; `item-not-found` when it is not there. */
  async getItem(actor: Actor, node: string, id: string): Promise<PubsubItem> {
    const { items } = await this.getItems(actor, node, { ids: [id] });
    return items[0]!;
  }

  /**
   * May `jid` read `node` (its affiliation and the access model)? For filtering recipients a
   * broadcaster adds itself, as PEP's `+notify` contacts. `false` for a node that does not exist.
   */
  async mayAccess(jid: string, node: string): Promise<boolean> {
    const state = (await this.#load()).get(node);
    if (!state) return false;
    try {
      await this.#requireAccess(state, jid);
      return true;
    } catch (error) {
      if (error instanceof PubsubError) return false;
      throw error;
    }
  }

  /** The newest item of a node, without access checks (for last-item delivery). */
  async lastItem(node: string): Promise<PubsubItem | undefined> {
    const state = (await this.#load()).get(node);
    if (!state) return undefined;
    return (await state.items.page({ max: 1 })).items[0];
  }

  // --- subscriptions -----------------------------------------------------------------------

  /**
   * Subscribes `jid` (the actor's own JID, bare or full; owners may subscribe others). With access
   * model `authorize` the subscription stays `pending` until an owner approves it.
   */
  async subscribe(actor: Actor, node: string, jid: string): Promise<Subscription> {
    this.#checkNodeName(node);
    return this.#write(async (nodes) => {
      let state = nodes.get(node);
      if (state === undefined) {
        if (!this.#o.autocreateOnSubscribe) throw new PubsubError("item-not-found", `No node ${node}`);
        state = await this.#create(nodes, node, SERVICE_ACTOR, undefined);
      }
      const aff = this.#affiliation(state, actor);
      if (actor !== SERVICE_ACTOR && bare(jid) !== bare(actor) && aff !== "owner") {
        throw new PubsubError("invalid-jid", `${actor} may not subscribe ${jid}`);
      }
      const subscriberAff = this.#affiliation(state, jid);
      if (subscriberAff === "outcast") throw new PubsubError("forbidden", "You are banned from this node");
      let subscription: SubscriptionState = "subscribed";
      if (state.config.access_model === "authorize" && !isAffiliated(subscriberAff) && aff !== "owner") {
        subscription = "pending";
      } else if (aff !== "owner") {
        await this.#requireAccess(state, jid);
      }
      const existing = state.subscriptions[jid];
      const subid = existing?.subid ?? this.#newId();
      state.subscriptions[jid] = { subscription, subid };
      await this.#save(nodes);
      const result: Subscription = { node, jid, subscription, subid };
      this.#fire("subscription-added", { node, jid, normalized_jid: bare(jid), subscription });
      if (subscription === "subscribed" && state.config.send_last_published_item !== "never") {
        const last = (await state.items.page({ max: 1 })).items[0];
        if (last) {
          await this.#broadcast(
            { kind: "items", node, items: [last], actor: undefined, last: true },
            [{ jid, subid }],
            state,
          );
        }
      }
      return result;
    });
  }

  /** Removes `jid`'s subscription (its own, or anyone's for owners). */
  unsubscribe(actor: Actor, node: string, jid: string): Promise<void> {
    return this.#write(async (nodes) => {
      const state = this.#node(nodes, node);
      if (
        actor !== SERVICE_ACTOR &&
        bare(jid) !== bare(actor) &&
        this.#affiliation(state, actor) !== "owner"
      ) {
        throw new PubsubError("forbidden", `${actor} may not unsubscribe ${jid}`);
      }
      if (state.subscriptions[jid] === undefined) {
        throw new PubsubError("not-subscribed", `${jid} is not subscribed to ${node}`);
      }
      delete state.subscriptions[jid];
      await this.#save(nodes);
      this.#fire("subscription-removed", { node, jid, normalized_jid: bare(jid) });
    });
  }

  /** The actor's own subscriptions (bare JID and its full JIDs), on one node or all. */
  async getSubscriptions(actor: string, node?: string): Promise<Subscription[]> {
    const nodes = await this.#load();
    const who = bare(actor);
    const out: Subscription[] = [];
    for (const state of node === undefined ? nodes.values() : [this.#node(nodes, node)]) {
      for (const [jid, s] of Object.entries(state.subscriptions)) {
        if (bare(jid) === who) out.push({ node: state.name, jid, ...s });
      }
    }
    return out;
  }

  /** Every subscription of a node (owners only). */
  async getNodeSubscriptions(actor: Actor, node: string): Promise<Subscription[]> {
    const state = this.#node(await this.#load(), node);
    this.#requireOwner(state, actor);
    return Object.entries(state.subscriptions).map(([jid, s]) => ({ node, jid, ...s }));
  }

  /** Sets subscription states (owners only): `none` removes one, `subscribed` approves a pending one. */
  setSubscriptions(
    actor: Actor,
    node: string,
    changes: readonly { jid: string; subscription: SubscriptionState | "none" }[],
  ): Promise<void> {
    return this.#write(async (nodes) => {
      const state = this.#node(nodes, node);
      this.#requireOwner(state, actor);
      const told: Notification[] = [];
      for (const { jid, subscription } of changes) {
        if (subscription === "none") {
          if (state.subscriptions[jid]) {
            delete state.subscriptions[jid];
            this.#fire("subscription-removed", { node, jid, normalized_jid: bare(jid) });
          }
          told.push({ kind: "subscription", node, subscription: { node, jid, subscription: "none" } });
          continue;
        }
        const subid = state.subscriptions[jid]?.subid ?? this.#newId();
        state.subscriptions[jid] = { subscription, subid };
        this.#fire("subscription-added", { node, jid, normalized_jid: bare(jid), subscription });
        told.push({ kind: "subscription", node, subscription: { node, jid, subscription, subid } });
      }
      await this.#save(nodes);
      for (const n of told) {
        if (n.kind === "subscription") {
          await this.#broadcast(n, [{ jid: n.subscription.jid, subid: undefined }], state);
        }
      }
    });
  }

  // --- affiliations ------------------------------------------------------------------------

  /** The actor's affiliations, on one node or all (`none` is not listed). */
  async getAffiliations(actor: string, node?: string): Promise<{ node: string; affiliation: Affiliation }[]> {
    const nodes = await this.#load();
    const who = bare(actor);
    const out: { node: string; affiliation: Affiliation }[] = [];
    for (const state of node === undefined ? nodes.values() : [this.#node(nodes, node)]) {
      const affiliation = state.affiliations[who];
      if (affiliation !== undefined && affiliation !== "none") out.push({ node: state.name, affiliation });
    }
    return out;
  }

  /** Every affiliation of a node (owners only). */
  async getNodeAffiliations(
    actor: Actor,
    node: string,
  ): Promise<{ jid: string; affiliation: Affiliation }[]> {
    const state = this.#node(await this.#load(), node);
    this.#requireOwner(state, actor);
    return Object.entries(state.affiliations).map(([jid, affiliation]) => ({ jid, affiliation }));
  }

  /**
   * Sets affiliations (owners only), all or nothing. An outcast loses its subscriptions; a change
   * that would leave the node without an owner is `not-acceptable`.
   */
  setAffiliations(
    actor: Actor,
    node: string,
    changes: readonly { jid: string; affiliation: Affiliation }[],
  ): Promise<void> {
    return this.#write(async (nodes) => {
      const state = this.#node(nodes, node);
      this.#requireOwner(state, actor);
      const next = { ...state.affiliations };
      for (const { jid, affiliation } of changes) {
        if (!AFFILIATIONS.includes(affiliation)) {
          throw new PubsubError("bad-request", `Unknown affiliation ${JSON.stringify(affiliation)}`);
        }
        if (affiliation === "none") delete next[bare(jid)];
        else next[bare(jid)] = affiliation;
      }
      if (!Object.values(next).includes("owner") && Object.values(state.affiliations).includes("owner")) {
        throw new PubsubError("not-acceptable", "A node keeps at least one owner");
      }
      state.affiliations = next;
      for (const jid of Object.keys(state.subscriptions)) {
        if (next[bare(jid)] === "outcast") delete state.subscriptions[jid];
      }
      await this.#save(nodes);
      this.#fire("affiliations-changed", { node, actor: actorJid(actor), changes: [...changes] });
    });
  }

  /** The affiliation of `jid` on `node` (service-wide ones included), `none` when it has none. */
  async affiliationOf(node: string, jid: string): Promise<Affiliation> {
    const state = this.#node(await this.#load(), node);
    return this.#affiliation(state, jid);
  }

  // --- internals ---------------------------------------------------------------------------

  #write<T>(op: (nodes: Map<string, NodeState>) => Promise<T>): Promise<T> {
    const run = this.#queue.then(async () => {
      try {
        return await op(await this.#load());
      } catch (error) {
        // A store that failed mid-change may leave memory ahead of storage: read storage again.
        if (!(error instanceof PubsubError)) {
          this.#nodes = undefined;
          this.#loading = undefined;
        }
        throw error;
      }
    });
    this.#queue = run.catch(() => undefined);
    return run;
  }

  #load(): Promise<Map<string, NodeState>> {
    if (this.#nodes) return Promise.resolve(this.#nodes);
    this.#loading ??= this.#o.nodes.get(this.#o.user).then((doc) => {
      const map = new Map<string, NodeState>();
      const stored = (doc ?? {}) as Record<string, Record<string, StoredValue>>;
      for (const [name, raw] of Object.entries(stored)) {
        const config = {
          ...this.#defaults,
          ...(raw.config as object),
          max_items: decodeMaxItems((raw.config as Record<string, unknown> | undefined)?.max_items),
        } as NodeConfig;
        map.set(name, {
          name,
          config,
          affiliations: { ...(raw.affiliations as Record<string, Affiliation>) },
          subscriptions: { ...(raw.subscriptions as NodeState["subscriptions"]) },
          created: typeof raw.created === "number" ? raw.created : 0,
          items: this.#itemStore(name, config),
        });
      }
      this.#nodes = map;
      return map;
    });
    return this.#loading;
  }

  async #save(nodes: Map<string, NodeState>): Promise<void> {
    const doc: Record<string, StoredValue> = {};
    for (const [name, n] of nodes) {
      doc[name] = {
        config: { ...n.config, max_items: encodeMaxItems(n.config.max_items) } as unknown as StoredValue,
        affiliations: n.affiliations,
        subscriptions: n.subscriptions,
        created: n.created,
      };
    }
    await this.#o.nodes.set(this.#o.user, nodes.size === 0 ? undefined : doc);
  }

  async #create(
    nodes: Map<string, NodeState>,
    name: string,
    actor: Actor,
    config: Partial<NodeConfig> | undefined,
  ): Promise<NodeState> {
    const full = this.#validConfig({ ...this.#defaults, ...stripUndefined(config ?? {}) });
    const state: NodeState = {
      name,
      config: full,
      affiliations: actor === SERVICE_ACTOR ? {} : { [bare(actor)]: "owner" },
      subscriptions: {},
      created: this.#clock(),
      items: this.#itemStore(name, full),
    };
    nodes.set(name, state);
    try {
      await this.#save(nodes);
    } catch (error) {
      nodes.delete(name);
      throw error;
    }
    this.#fire("node-created", { node: name, actor: actorJid(actor) });
    return state;
  }

  #itemStore(node: string, config: NodeConfig): ItemStore {
    if (!config.persist_items) return memoryItems();
    const user = this.#o.user === undefined ? node : `${this.#o.user}/${node}`;
    const store = this.#o.items;
    return "append" in store ? archiveItems(store, user) : keyvalItems(store, user);
  }

  #validConfig(config: NodeConfig): NodeConfig {
    const max = config.max_items;
    if (max !== Number.POSITIVE_INFINITY && (!Number.isInteger(max) || max < 0)) {
      throw new PubsubError("not-acceptable", `max_items must be a whole number or max, not ${max}`);
    }
    if (max !== Number.POSITIVE_INFINITY && max > this.limits.maxItems) {
      throw new PubsubError("max-items-exceeded", `max_items is at most ${this.limits.maxItems} here`);
    }
    return { ...config, roster_groups_allowed: [...config.roster_groups_allowed] };
  }

  #effectiveMax(config: NodeConfig): number {
    return Math.min(config.max_items, this.limits.maxItems);
  }

  #node(nodes: Map<string, NodeState>, node: string): NodeState {
    const state = nodes.get(node);
    if (!state) throw new PubsubError("item-not-found", `No node ${node}`);
    return state;
  }

  #checkNodeName(node: string): void {
    if (node === "") throw new PubsubError("nodeid-required", "A node name is needed");
    if (node.length > this.limits.maxNodeNameLength) {
      throw new PubsubError(
        "node-name-too-long",
        `Node names are at most ${this.limits.maxNodeNameLength} characters`,
      );
    }
  }

  #checkItemId(id: string): void {
    if (id.length > this.limits.maxItemIdLength) {
      throw new PubsubError(
        "item-id-too-long",
        `Item ids are at most ${this.limits.maxItemIdLength} characters`,
      );
    }
  }

  #affiliation(state: NodeState, actor: Actor): Affiliation {
    if (actor === SERVICE_ACTOR) return "owner";
    const who = bare(actor);
    return this.#o.serviceAffiliation?.(who) ?? state.affiliations[who] ?? "none";
  }

  #requireOwner(state: NodeState, actor: Actor): void {
    if (this.#affiliation(state, actor) !== "owner") {
      throw new PubsubError("forbidden", `Only owners of ${state.name} may do this`);
    }
  }

  async #requirePublisher(state: NodeState, actor: Actor): Promise<void> {
    const aff = this.#affiliation(state, actor);
    if (aff === "owner" || aff === "publisher") return;
    if (aff === "outcast") throw new PubsubError("forbidden", "You are banned from this node");
    const model = state.config.publish_model;
    if (model === "open") return;
    if (model === "subscribers" && actor !== SERVICE_ACTOR) {
      const subscribed = Object.entries(state.subscriptions).some(
        ([jid, s]) => bare(jid) === bare(actor) && s.subscription === "subscribed",
      );
      if (subscribed) return;
    }
    throw new PubsubError("forbidden", `You may not publish to ${state.name}`);
  }

  /** May `actor` read items / subscribe, by affiliation and access model? */
  async #requireAccess(state: NodeState, actor: Actor): Promise<void> {
    const aff = this.#affiliation(state, actor);
    if (aff === "outcast") throw new PubsubError("forbidden", "You are banned from this node");
    if (isAffiliated(aff)) return;
    const who = bare(actor as string);
    const owners = Object.entries(state.affiliations)
      .filter(([, a]) => a === "owner")
      .map(([jid]) => jid);
    if (owners.length === 0 && this.#o.user !== undefined) owners.push(this.jid);
    const rel = this.#o.relationship;
    switch (state.config.access_model) {
      case "open":
        return;
      case "presence":
        for (const owner of owners) if (owner === who || (await rel?.isSubscribed?.(owner, who))) return;
        throw new PubsubError("presence-subscription-required", `${state.name} is for the owner's contacts`);
      case "roster":
        for (const owner of owners) {
          if (owner === who || (await rel?.inRosterGroups?.(owner, who, state.config.roster_groups_allowed)))
            return;
        }
        throw new PubsubError("not-in-roster-group", `${state.name} is for some of the owner's contacts`);
      case "whitelist":
        throw new PubsubError("closed-node", `${state.name} is for its members only`);
      case "authorize": {
        const approved = Object.entries(state.subscriptions).some(
          ([jid, s]) => bare(jid) === who && s.subscription === "subscribed",
        );
        if (approved) return;
        throw new PubsubError("not-subscribed-authorize", `${state.name} needs an approved subscription`);
      }
    }
  }

  #recipients(state: NodeState): Recipient[] {
    if (!state.config.deliver_notifications) return [];
    const out: Recipient[] = [];
    for (const [jid, s] of Object.entries(state.subscriptions)) {
      if (s.subscription === "subscribed") out.push({ jid, subid: s.subid });
    }
    return out;
  }

  async #mayCreate(actor: string): Promise<boolean> {
    if (this.#o.serviceAffiliation?.(bare(actor)) === "owner") return true;
    return this.#o.mayCreate ? this.#o.mayCreate(bare(actor)) : true;
  }

  async #broadcast(notification: Notification, recipients: Recipient[], state: NodeState): Promise<void> {
    const broadcaster = this.#o.broadcaster;
    if (!broadcaster) return;
    let sent = notification;
    if (notification.kind === "items" && !state.config.deliver_payloads) {
      sent = { ...notification, items: notification.items.map((i) => ({ ...i, payload: undefined })) };
    }
    await broadcaster(sent, recipients, {
      name: state.name,
      config: state.config,
      affiliations: state.affiliations,
    });
  }

  #fire(name: string, data: Record<string, unknown>): void {
    this.#o.events?.(name, { service: this, ...data });
  }
}

function isAffiliated(aff: Affiliation): boolean {
  return aff === "owner" || aff === "publisher" || aff === "member";
}

function actorJid(actor: Actor): string | undefined {
  return actor === SERVICE_ACTOR ? undefined : bare(actor);
}

function cloneConfig(config: NodeConfig): NodeConfig {
  return { ...config, roster_groups_allowed: [...config.roster_groups_allowed] };
}

function stripUndefined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}
