import { type Module, NS, reply } from "canto";
import { now, type StanzaEvent } from "./util.js";

/**
 * XEP-0202: the server's time in UTC. The offset is always `+00:00`, as in Prosody: a server has no
 * business revealing where it stands.
 */
export default function time(module: Module): void {
  module.addFeature(NS.time);
  module.hook(`iq-get/host/${NS.time}:time`, (event: StanzaEvent) => {
    const answer = reply(event.stanza);
    const payload = answer.c("time", { xmlns: NS.time });
    payload.c("tzo").t("+00:00");
    // XEP-0082 DateTime, whole seconds (milliseconds are allowed but add nothing here).
    payload.c("utc").t(`${new Date(Math.floor(now(module)) * 1000).toISOString().slice(0, 19)}Z`);
    event.origin.send(answer);
    return true;
  });
}
