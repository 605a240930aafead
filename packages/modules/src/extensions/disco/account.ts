import { disco, type Element, errorReply, type Module } from "canto";
import { domainOf, isContactSubscribed, nodeOf, type StanzaEvent } from "../util.js";
import { type Handled, nodeEvent } from "./node-events.js";

/**
 * Disco of the accounts of a local host (`iq-get/bare/...`). An account is visible to itself, to
 * contacts subscribed to its presence (the `roster` store), and, with `disco_expose_admins`, to
 * anyone when it is an admin. Otherwise the query is left to fall through to
 * `service-unavailable`, so that an account's existence does not leak.
 */
export async function hookAccountDisco(module: Module): Promise<void> {
  const roster = await module.openStore("roster");
  module.defaultPermission("prosody:admin", ":be-discovered-admin");

  const options = (event: StanzaEvent): disco.AccountDiscoOptions => {
    const origin = event.stanza.attrs.from as string | undefined;
    const result: disco.AccountDiscoOptions = {
      exposeAdmins: module.getOptionBoolean("disco_expose_admins", false),
      anonymous: module.getOptionString("authentication", "internal_hashed") === "anonymous",
      isAdmin: (account) => module.couldAsync(":be-discovered-admin", account),
      isContactSubscribed: (account, contact) => {
        const username = nodeOf(account);
        if (username === undefined || domainOf(account) !== module.host) return false;
        return isContactSubscribed(roster, username, contact);
      },
    };
    if (origin !== undefined) result.origin = origin;
    return result;
  };

  const answer = async (event: StanzaEvent, build: () => Promise<Element | undefined>, handled: Handled) => {
    let reply: Element | undefined;
    try {
      reply = await build();
    } catch (error) {
      module.log("error", "account disco failed for %s: %s", event.stanza.attrs.to ?? "self", error);
      event.origin.send(errorReply(event.stanza, "wait", "internal-server-error"));
      return true;
    }
    if (reply === undefined) return undefined;
    if (!handled.value) event.origin.send(reply);
    return true;
  };

  module.hook(`iq-get/bare/${disco.NS_DISCO_INFO}:query`, (event: StanzaEvent) => {
    const handled: Handled = { value: false };
    return answer(
      event,
      () =>
        disco.accountInfo(event.stanza, {
          ...options(event),
          onInfo: async (request) => {
            await module.fireEvent("account-disco-info", { ...request, origin: event.origin });
          },
          onNode: nodeEvent(module, "account-disco-info-node", event.origin, handled),
        }),
      handled,
    );
  });

  module.hook(`iq-get/bare/${disco.NS_DISCO_ITEMS}:query`, (event: StanzaEvent) => {
    const handled: Handled = { value: false };
    return answer(
      event,
      () =>
        disco.accountItems(event.stanza, {
          ...options(event),
          onItems: async (request) => {
            await module.fireEvent("account-disco-items", { ...request, origin: event.origin });
          },
          onNode: nodeEvent(module, "account-disco-items-node", event.origin, handled),
        }),
      handled,
    );
  });
}
