import { type Broadcaster, handlePubsubIq, notificationMessages, PubsubService } from "@canto/pubsub";
import { disco, type Element, errorReply, type Module, NS } from "canto";
import type { StanzaEvent } from "../extensions/util.js";

/** What `module.depends("pubsub")` gives: the host's service, for other modules to use. */
export interface PubsubApi {
  service: PubsubService;
}

/** The pubsub#… features a Canto service offers (advertised in disco#info). */
export const PUBSUB_FEATURES: readonly string[] = [
  "access-authorize",
  "access-open",
  "access-presence",
  "access-roster",
  "access-whitelist",
  "auto-create",
  "auto-subscribe",
  "config-node",
  "create-and-configure",
  "create-nodes",
  "delete-items",
  "delete-nodes",
  "get-pending",
  "instant-nodes",
  "item-ids",
  "last-published",
  "manage-affiliations",
  "manage-subscriptions",
  "member-affiliation",
  "modify-affiliations",
  "outcast-affiliation",
  "persistent-items",
  "publish",
  "publish-options",
  "publisher-affiliation",
  "purge-nodes",
  "retract-items",
  "retrieve-affiliations",
  "retrieve-default",
  "retrieve-items",
  "retrieve-subscriptions",
  "subscribe",
  "subscription-notifications",
];

/**
 * XEP-0060 publish-subscribe as a service on a host, usually a component
 * (`Component "pubsub.example.org" "pubsub"`): nodes in keyval store `pubsub_nodes`, items in
 * archive store `pubsub_data`. Who may create nodes is the `:create` permission (users of the
 * parent host by default); `admins` are owners of every node.
 */
export default async function pubsubModule(module: Module): Promise<PubsubApi> {
  const host = module.host;
  const admins = new Set<string>(
    [...module.getOptionSet("admins", [])].map(String).filter((jid) => jid.length > 0),
  );
  const expose = module.getOptionBoolean("expose_publisher", false);
  module.defaultPermission("prosody:registered", ":create");

  const nodes = await module.openStore("pubsub_nodes", "keyval");
  const items = await module.openStore("pubsub_data", "archive");

  const broadcaster: Broadcaster = (notification, recipients, node) => {
    const options = { exposePublisher: expose, type: node.config.notification_type };
    for (const message of notificationMessages(host, notification, recipients, options)) {
      module.send(message);
    }
  };

  const service = new PubsubService({
    jid: host,
    nodes,
    items,
    broadcaster,
    events: (name, data) => {
      module.fireEvent(name, data);
    },
    limits: {
      maxItems: module.getOptionInteger("pubsub_max_items", 256, 1),
      maxItemSize: module.getOptionInteger("pubsub_max_item_size", 256 * 1024, 1),
      maxNodeNameLength: module.getOptionInteger("pubsub_max_node_name_length", 1023, 1),
      maxItemIdLength: module.getOptionInteger("pubsub_max_item_id_length", 1023, 1),
    },
    autocreateOnPublish: module.getOptionBoolean("autocreate_on_publish", false),
    autocreateOnSubscribe: module.getOptionBoolean("autocreate_on_subscribe", false),
    serviceAffiliation: (jid) => (jid === host || admins.has(jid) ? "owner" : undefined),
    mayCreate: (jid) => module.may(":create", jid),
    clock: () => module.server.scheduler.clock.now(),
  });

  await module.depends("disco");
  module.addIdentity("pubsub", "service", module.getOptionString("name", "Canto PubSub Service"));
  module.addFeature(NS.pubsub);
  for (const feature of PUBSUB_FEATURES) module.addFeature(`${NS.pubsub}#${feature}`);

  const answer = (event: StanzaEvent) => {
    const { stanza, origin } = event;
    const from = typeof stanza.attrs.from === "string" ? stanza.attrs.from : origin.fullJid;
    if (typeof from !== "string") {
      origin.send(errorReply(stanza, "auth", "forbidden", "The request has no sender"));
      return true;
    }
    return handlePubsubIq(service, stanza, from, { exposePublisher: expose }).then(
      (reply) => {
        origin.send(reply);
        return true as const;
      },
      (error: unknown) => {
        module.log("error", "pubsub request %s failed: %s", stanza.attrs.id, String(error));
        origin.send(errorReply(stanza, "wait", "internal-server-error"));
        return true as const;
      },
    );
  };
  for (const type of ["get", "set"]) {
    module.hook(`iq-${type}/host/${NS.pubsub}:pubsub`, answer);
    module.hook(`iq-${type}/host/${NS.pubsub_owner}:pubsub`, answer);
  }

  // disco#items of the service lists its nodes; disco#info/items of a node describe it.
  module.hook("host-disco-items", async (event: { reply: Element; query?: Element }) => {
    const query = event.query ?? event.reply.getChild("query", disco.NS_DISCO_ITEMS)!;
    for (const node of await service.listNodes()) {
      const attrs: Record<string, string> = { jid: host, node: node.name };
      if (node.title !== "") attrs.name = node.title;
      query.c("item", attrs);
    }
    return undefined;
  });
  module.hook("host-disco-info-node", async (event: { node: string; query: Element; exists: boolean }) => {
    if (!(await service.hasNode(event.node))) return undefined;
    event.query.c("identity", { category: "pubsub", type: "leaf" });
    event.query.c("feature", { var: NS.pubsub });
    event.exists = true;
    return undefined;
  });
  module.hook(
    "host-disco-items-node",
    async (event: { node: string; query: Element; exists: boolean; stanza: Element }) => {
      if (!(await service.hasNode(event.node))) return undefined;
      const from = String(event.stanza.attrs.from ?? "");
      try {
        const { items: list } = await service.getItems(from, event.node);
        for (const item of list) event.query.c("item", { jid: host, name: item.id });
      } catch {
        // Items the asker may not read are not listed.
      }
      event.exists = true;
      return undefined;
    },
  );

  return { service };
}
