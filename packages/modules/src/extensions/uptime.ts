import { type Module, NS, type Runtime, reply } from "canto";
import { now, type StanzaEvent } from "./util.js";

// When each server (runtime) started, as far as this module can tell: the first time it was loaded
// on any of the server's hosts, which happens while the server starts. Kept across reloads.
const startTimes = new WeakMap<Runtime, number>();

/** XEP-0012 on the host: the seconds since the server started. */
export default function uptime(module: Module): void {
  module.addFeature(NS.last);
  let started = startTimes.get(module.server);
  if (started === undefined) {
    started = now(module);
    startTimes.set(module.server, started);
  }
  const since = started;
  module.hook(`iq-get/host/${NS.last}:query`, (event: StanzaEvent) => {
    const seconds = Math.max(0, Math.floor(now(module) - since));
    event.origin.send(
      reply(event.stanza)
        .c("query", { xmlns: NS.last, seconds: String(seconds) })
        .root(),
    );
    return true;
  });
}
