import { type Element, errorReply, type Module, NS } from "canto";
import { andThen, bareOf, domainOf, nodeOf, type StanzaEvent } from "../util.js";
import { type Blocklists, isBlocked } from "./blocklists.js";

/** Above the IM modules' delivery handlers, so nothing sees a blocked stanza first. */
const PRIORITY = 100;

const KINDS = ["message", "presence", "iq"] as const;

function isErrorOrResult(stanza: Element): boolean {
  const type = stanza.attrs.type;
  return type === "error" || (stanza.name === "iq" && type === "result");
}

/**
 * XEP-0191 §3.3, inbound: presence is dropped without a word, messages and IQ requests are
 * answered `service-unavailable` (the user looks offline), IQ results and errors are dropped.
 */
function refuseInbound(event: StanzaEvent): true {
  const { stanza } = event;
  if (stanza.name !== "presence" && !isErrorOrResult(stanza)) {
    event.origin.send(errorReply(stanza, "cancel", "service-unavailable"));
  }
  return true;
}

/**
 * XEP-0191 §3.3, outbound: the user is told with `not-acceptable` and `<blocked/>`; errors and IQ
 * results are dropped. Unavailable presence still goes, so that blocking can say goodbye.
 */
function refuseOutbound(event: StanzaEvent): true | undefined {
  const { stanza } = event;
  if (stanza.name === "presence" && stanza.attrs.type === "unavailable") return undefined;
  if (isErrorOrResult(stanza)) return true;
  const answer = errorReply(stanza, "cancel", "not-acceptable", "You have blocked this JID");
  answer.getChild("error")!.c("blocked", { xmlns: NS.blocking_errors });
  event.origin.send(answer);
  return true;
}

/** Hooks the routing events that keep blocked JIDs and the host's accounts apart. */
export function hookFilters(module: Module, lists: Blocklists): void {
  const localUser = (jid: string | undefined): string | undefined => {
    if (jid === undefined || domainOf(jid) !== module.host) return undefined;
    return nodeOf(jid);
  };

  // What a client sends: refused when it addresses a JID its account blocked.
  const outbound = (event: StanzaEvent) => {
    const to = event.stanza.attrs.to as string | undefined;
    const username = event.origin.username;
    if (to === undefined || username === undefined || event.origin.host !== module.host) return undefined;
    if (bareOf(to) === `${username}@${module.host}`) return undefined;
    return andThen(lists.get(username), (list) => (isBlocked(list, to) ? refuseOutbound(event) : undefined));
  };

  // What reaches an account of this host: refused when the recipient blocked the sender. A stanza a
  // module sent on behalf of one of this host's accounts (presence broadcasts skip the pre-events)
  // is dropped when that account blocked the recipient.
  const inbound = (event: StanzaEvent) => {
    const { stanza } = event;
    const from = stanza.attrs.from as string | undefined;
    const to = (stanza.attrs.to as string | undefined) ?? undefined;
    if (from === undefined || to === undefined || bareOf(from) === bareOf(to)) return undefined;
    const recipient = localUser(to);
    const sender = localUser(from);
    const checkSender = () => {
      if (sender === undefined) return undefined;
      return andThen(lists.get(sender), (list) => {
        if (!isBlocked(list, to)) return undefined;
        if (stanza.name === "presence" && stanza.attrs.type === "unavailable") return undefined;
        return true;
      });
    };
    if (recipient === undefined) return checkSender();
    return andThen(lists.get(recipient), (list) =>
      isBlocked(list, from) ? refuseInbound(event) : checkSender(),
    );
  };

  for (const kind of KINDS) {
    for (const toType of ["bare", "full", "host"] as const) {
      module.hook(`pre-${kind}/${toType}`, outbound, PRIORITY);
    }
    module.hook(`${kind}/bare`, inbound, PRIORITY);
    module.hook(`${kind}/full`, inbound, PRIORITY);
  }
}
