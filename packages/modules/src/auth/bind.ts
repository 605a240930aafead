import { errorReply, type Module, parseJid, type RoutingEvent, reply, StanzaError } from "canto";
import { NS, type StreamFeaturesEvent } from "../shared/contracts.js";

/**
 * `bind`: resource binding (RFC 6120 §7) for authenticated clients, with the host's `on_conflict`
 * policy applied by the session manager, and the legacy `session` establishment of RFC 3921 §3,
 * advertised as `<optional/>` (draft-cridland-xmpp-session) and answered with an empty result.
 */
export default function bind(module: Module): void {
  module.hook("stream-features", (event: StreamFeaturesEvent) => {
    const session = event.origin;
    if (session.type !== "c2s" || session.username === undefined || session.fullJid !== undefined) return;
    event.features.c("bind", { xmlns: NS.bind });
    event.features.c("session", { xmlns: NS.session }).c("optional");
  });

  function handleBind(event: RoutingEvent): true {
    const { origin: session, stanza } = event;
    if (stanza.attrs.type !== "set") {
      session.send(errorReply(stanza, "modify", "bad-request", "Resource binding is a set request"));
      return true;
    }
    const request = stanza.getChild("bind", NS.bind);
    const asked = request?.getChildText("resource")?.trim();
    let resource: string | undefined;
    if (asked !== undefined && asked !== "") {
      try {
        resource = parseJid(`${session.username ?? "user"}@${session.host}/${asked}`).resource;
      } catch (error) {
        const reason = error instanceof Error ? error.message : String(error);
        session.send(errorReply(stanza, "modify", "bad-request", `Invalid resource: ${reason}`));
        return true;
      }
    }
    let fullJid: string;
    try {
      fullJid = module.server.sessionManager.bind(session, resource);
    } catch (error) {
      const refusal =
        error instanceof StanzaError
          ? error
          : new StanzaError({ type: "wait", condition: "internal-server-error", text: String(error) });
      module.log("debug", "refused to bind %s: %s", session.username, refusal);
      session.send(errorReply(stanza, refusal));
      return true;
    }
    module.log("debug", "bound %s", fullJid);
    session.send(reply(stanza).c("bind", { xmlns: NS.bind }).c("jid").t(fullJid).root());
    return true;
  }

  // An unbound client's bind request carries no `to`: the router gives it the client's own JID.
  module.hook(`iq/self/${NS.bind}:bind`, handleBind);
  module.hook(`iq/host/${NS.bind}:bind`, handleBind);

  function handleSession(event: RoutingEvent): true {
    event.origin.send(reply(event.stanza));
    return true;
  }
  module.hook(`iq-set/self/${NS.session}:session`, handleSession);
  module.hook(`iq-set/host/${NS.session}:session`, handleSession);
}
