import { type Module, reply } from "canto";
import { now, type StanzaEvent } from "./util.js";

export const NS_TIME = "urn:xmpp:time";

/**
 * XEP-0202: the server's time in UTC. The offset is always `+00:00`, as in Prosody: a server has no
 * business revealing where it stands.
 */
export default function time(module: Module): void {
  module.addFeature(NS_TIME);
  module.hook(`iq-get/host/${NS_TIME}:time`, (event: StanzaEvent) => {
    const answer = reply(event.stanza);
    const payload = answer.c("time", { xmlns: NS_TIME });
    payload.c("tzo").t("+00:00");
    // XEP-0082 DateTime, whole seconds (milliseconds are allowed but add nothing here).
    payload.c("utc").t(`${new Date(Math.floor(now(module)) * 1000).toISOString().slice(0, 19)}Z`);
    event.origin.send(answer);
    return true;
  });
}
