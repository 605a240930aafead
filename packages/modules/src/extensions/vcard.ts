import { clone, Element, errorReply, type Module, NS, reply } from "canto";
import { reloadableOptions } from "../shared/options.js";
import { answering, bareOf, nodeOf, type StanzaEvent } from "./util.js";

/**
 * XEP-0054 vcard-temp: an account sets its own vCard and anyone may read any account's (keyval
 * store `vcard`). `vcard_max_size` (bytes of XML, default 256 KiB, Prosody's stanza size limit)
 * bounds what one account may store.
 */
export default async function vcard(module: Module): Promise<void> {
  module.addFeature(NS.vcard);
  const store = await module.openStore("vcard");
  const maxSizeNow = reloadableOptions(module, () =>
    module.getOptionInteger("vcard_max_size", 256 * 1024, 1),
  );

  const get = (event: StanzaEvent, user: string | undefined) =>
    answering(module, event, async () => {
      const stored = await store.get(user);
      if (!(stored instanceof Element)) {
        event.origin.send(errorReply(event.stanza, "cancel", "item-not-found", "No vCard is stored"));
        return;
      }
      const answer = reply(event.stanza);
      if (event.stanza.attrs.to === undefined && user !== undefined)
        answer.attrs.from = `${user}@${module.host}`;
      answer.cnode(stored);
      event.origin.send(answer);
    });

  module.hook(`iq/bare/${NS.vcard}:vCard`, (event: StanzaEvent) => {
    const { origin, stanza } = event;
    const to = stanza.attrs.to as string | undefined;
    const from = stanza.attrs.from as string | undefined;
    const user = to !== undefined ? nodeOf(to) : from !== undefined ? nodeOf(bareOf(from)) : undefined;
    if (stanza.attrs.type === "get") return get(event, user);
    if (event.to_self !== true || origin.username === undefined) {
      origin.send(errorReply(stanza, "auth", "forbidden", "Only the account itself may set its vCard"));
      return true;
    }
    const card = stanza.getChild("vCard", NS.vcard)!;
    const size = Buffer.byteLength(card.toString(), "utf8");
    const maxSize = maxSizeNow();
    if (size > maxSize) {
      origin.send(
        errorReply(
          stanza,
          "modify",
          "not-acceptable",
          `The vCard is ${size} bytes, more than the ${maxSize} allowed`,
        ),
      );
      return true;
    }
    const username = origin.username;
    return answering(module, event, async () => {
      // An empty vCard clears the stored one, as clients expect when they remove their details.
      await store.set(username, card.children.length === 0 ? undefined : clone(card));
      origin.send(reply(stanza));
    });
  });

  // The host's own vCard: readable by anyone, set by no one over XMPP.
  module.hook(`iq/host/${NS.vcard}:vCard`, (event: StanzaEvent) => {
    if (event.stanza.attrs.type === "get") return get(event, undefined);
    event.origin.send(
      errorReply(event.stanza, "auth", "forbidden", "The server's vCard is not set over XMPP"),
    );
    return true;
  });
}
