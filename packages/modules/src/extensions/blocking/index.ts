import {
  clone,
  type Element,
  errorReply,
  iq,
  JidError,
  type Module,
  NS,
  prepJid,
  reply,
  type Session,
} from "canto";
import { answering, childElements, type StanzaEvent } from "../util.js";
import { Blocklists } from "./blocklists.js";
import { hookFilters } from "./filter.js";
import { PresenceNotices } from "./presence.js";

/** The JIDs of a `<block/>` or `<unblock/>`, prepared, or the error answer to send instead. */
function readItems(stanza: Element, payload: Element): string[] | Element {
  const jids: string[] = [];
  for (const item of childElements(payload)) {
    if (item.name !== "item") continue;
    const jid: unknown = item.attrs.jid;
    if (typeof jid !== "string" || jid === "") {
      return errorReply(stanza, "modify", "bad-request", "Every <item/> needs a jid attribute");
    }
    try {
      jids.push(prepJid(jid));
    } catch (error) {
      const reason = error instanceof JidError ? error.message : String(error);
      return errorReply(stanza, "modify", "jid-malformed", `Not a valid JID: ${jid} (${reason})`);
    }
  }
  return jids;
}

function itemsElement(name: string, jids: Iterable<string>): Element {
  const element = iq({ type: "set", id: "x" }).c(name, { xmlns: NS.blocking });
  for (const jid of jids) element.c("item", { jid });
  return element;
}

/**
 * XEP-0191 blocking command: an account keeps a list of JIDs it wants nothing to do with. Stanzas
 * between them are stopped at the server (see ./filter.ts); changes are pushed to every session of
 * the account that asked for the list.
 */
export default async function blocking(module: Module): Promise<void> {
  module.addFeature(NS.blocking);
  const store = await module.openStore("blocklist");
  const roster = await module.openStore("roster");
  const sessions = module.server.sessions;
  const online = (username: string) => sessions.bare(`${username}@${module.host}`) !== undefined;
  const lists = new Blocklists(store, online);
  const notices = new PresenceNotices(module, roster);
  const interested = new WeakSet<Session>();
  let pushes = 0;

  hookFilters(module, lists);

  module.hook("resource-unbind", (event: { session: Session }) => {
    const { username, host } = event.session;
    if (username !== undefined && host === module.host && !online(username)) lists.forget(username);
    return undefined;
  });

  const push = (username: string, payload: Element) => {
    for (const session of sessions.bare(`${username}@${module.host}`)?.values() ?? []) {
      if (!interested.has(session) || session.fullJid === undefined) continue;
      const stanza = iq({ type: "set", id: `blocklist-push-${++pushes}`, to: session.fullJid });
      stanza.cnode(clone(payload));
      session.send(stanza);
    }
  };

  module.hook(`iq-get/self/${NS.blocking}:blocklist`, (event: StanzaEvent) => {
    const { origin, stanza } = event;
    const username = origin.username;
    if (username === undefined) return undefined;
    return answering(module, event, async () => {
      const list = await lists.get(username);
      interested.add(origin);
      const answer = reply(stanza);
      const payload = answer.c("blocklist", { xmlns: NS.blocking });
      for (const jid of list) payload.c("item", { jid });
      origin.send(answer);
    });
  });

  module.hook(`iq-set/self/${NS.blocking}:block`, (event: StanzaEvent) => {
    const { origin, stanza } = event;
    const username = origin.username;
    if (username === undefined) return undefined;
    const jids = readItems(stanza, stanza.getChild("block", NS.blocking)!);
    if (!Array.isArray(jids)) {
      origin.send(jids);
      return true;
    }
    if (jids.length === 0) {
      origin.send(errorReply(stanza, "modify", "bad-request", "A <block/> needs at least one <item/>"));
      return true;
    }
    return answering(module, event, async () => {
      const { before } = await lists.update(username, (list) => {
        for (const jid of jids) list.add(jid);
        return list;
      });
      const added = new Set(jids.filter((jid) => !before.has(jid)));
      origin.send(reply(stanza));
      push(username, itemsElement("block", jids));
      // The block is done and answered: a failure here must not turn into a second answer.
      if (added.size > 0) {
        await notices.goodbye(username, added).catch((error: unknown) => {
          module.log("error", "could not send unavailable presence for %s's new blocks: %s", username, error);
        });
      }
    });
  });

  module.hook(`iq-set/self/${NS.blocking}:unblock`, (event: StanzaEvent) => {
    const { origin, stanza } = event;
    const username = origin.username;
    if (username === undefined) return undefined;
    const jids = readItems(stanza, stanza.getChild("unblock", NS.blocking)!);
    if (!Array.isArray(jids)) {
      origin.send(jids);
      return true;
    }
    return answering(module, event, async () => {
      // No items: unblock everyone (XEP-0191 §3.4).
      const { before, after } = await lists.update(username, (list) => {
        if (jids.length === 0) return new Set();
        for (const jid of jids) list.delete(jid);
        return list;
      });
      origin.send(reply(stanza));
      push(username, itemsElement("unblock", jids));
      const removed = new Set([...before].filter((jid) => !after.has(jid)));
      if (removed.size > 0) {
        await notices.hello(username, removed, after).catch((error: unknown) => {
          module.log("error", "could not send presence for %s's removed blocks: %s", username, error);
        });
      }
    });
  });
}
