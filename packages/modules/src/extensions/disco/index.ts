import { disco, Element, type Module } from "canto";
import type { StreamFeaturesEvent } from "../../shared/contracts.js";
import { andThen, type StanzaEvent } from "../util.js";
import { hookAccountDisco } from "./account.js";
import { type Handled, nodeEvent } from "./node-events.js";
import { mirrorHostItems } from "./registry-items.js";

const INFO_QUERY = `${disco.NS_DISCO_INFO}:query`;
const ITEMS_QUERY = `${disco.NS_DISCO_ITEMS}:query`;

/** What `module.depends("disco")` gives: the host's registry and its cached info and caps. */
export interface DiscoApi {
  registry: disco.DiscoRegistry;
  cache: disco.HostInfoCache;
}

/**
 * XEP-0030 service discovery for the host and its accounts, XEP-0128 extensions, and the XEP-0115
 * caps element in the stream features of authenticated clients. What the host offers is what its
 * modules (and the global ones) publish as `feature`, `identity` and `extension` items.
 */
export default async function discoModule(module: Module): Promise<DiscoApi> {
  const registry = disco.createDiscoRegistry();
  const cache = disco.createHostInfoCache(registry);
  mirrorHostItems(module, registry);

  module.addFeature(disco.NS_DISCO_INFO);
  module.addFeature(disco.NS_DISCO_ITEMS);
  if (module.getHostType() === "local") {
    module.addIdentity("server", "im", module.getOptionString("name", "Canto"));
  }

  const configuredItems = readDiscoItems(module);

  module.hook(`iq-get/host/${INFO_QUERY}`, (event: StanzaEvent) => {
    const handled: Handled = { value: false };
    const answer = disco.hostInfo(event.stanza, {
      source: cache,
      onNode: nodeEvent(module, "host-disco-info-node", event.origin, handled),
    });
    return andThen(answer, (reply) => {
      if (!handled.value) event.origin.send(reply);
      return true;
    });
  });

  module.hook(`iq-get/host/${ITEMS_QUERY}`, (event: StanzaEvent) => {
    const handled: Handled = { value: false };
    const answer = disco.hostItems(event.stanza, {
      items: configuredItems,
      childComponents: () => disco.childHosts(module.host, hostEntries(module)),
      onItems: (request) =>
        andThen(module.fireEvent("host-disco-items", { ...request, origin: event.origin }), (result) => {
          if (result === undefined) return undefined;
          if (result instanceof Element) return result;
          // The handler answered on its own.
          handled.value = true;
          return request.reply;
        }),
      onNode: nodeEvent(module, "host-disco-items-node", event.origin, handled),
    });
    return andThen(answer, (reply) => {
      if (!handled.value) event.origin.send(reply);
      return true;
    });
  });

  if (module.getHostType() === "local") await hookAccountDisco(module);

  // Clients learn the server's features from the caps hash without a disco round trip.
  module.hook("stream-features", (event: StreamFeaturesEvent) => {
    if (event.origin.type === "c2s") event.features.cnode(cache.capsElement());
    return undefined;
  });

  return { registry, cache };
}

/** The `disco_items` option; a malformed one is reported and ignored as a whole, as in Prosody. */
function readDiscoItems(module: Module): disco.DiscoItem[] {
  try {
    return disco.parseDiscoItems(module.getOption("disco_items"));
  } catch (error) {
    const message = `disco_items is ignored: ${error instanceof Error ? error.message : String(error)}`;
    module.log("error", "%s", message);
    module.setStatus("error", message);
    return [];
  }
}

/** Every active host, with its `name` and `disco_hidden` options, for the child-component list. */
function hostEntries(module: Module): disco.HostEntry[] {
  const config = module.server.config;
  const entries: disco.HostEntry[] = [];
  for (const host of module.server.hosts()) {
    const name = config.get(host.name, "name");
    const entry: disco.HostEntry = {
      host: host.name,
      hidden: config.get(host.name, "disco_hidden") === true,
    };
    if (typeof name === "string") entry.name = name;
    entries.push(entry);
  }
  return entries;
}
