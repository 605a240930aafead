import { type Module, reply } from "canto";
import type { StanzaEvent } from "./util.js";

export const NS_PING = "urn:xmpp:ping";

/** XEP-0199: the server answers pings addressed to it. */
export default function ping(module: Module): void {
  module.addFeature(NS_PING);
  module.hook(`iq-get/host/${NS_PING}:ping`, (event: StanzaEvent) => {
    event.origin.send(reply(event.stanza));
    return true;
  });
}
