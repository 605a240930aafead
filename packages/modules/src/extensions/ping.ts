import { type Module, NS, reply } from "canto";
import type { StanzaEvent } from "./util.js";

/** XEP-0199: the server answers pings addressed to it. */
export default function ping(module: Module): void {
  module.addFeature(NS.ping);
  module.hook(`iq-get/host/${NS.ping}:ping`, (event: StanzaEvent) => {
    event.origin.send(reply(event.stanza));
    return true;
  });
}
