import {
  clone,
  Element,
  errorReply,
  type Module,
  parseJid,
  type RoutingEvent,
  reply,
  type Session,
  StanzaError,
  type storage,
} from "canto";
import { authProvider } from "../shared/contracts.js";
import { reloadableOptions } from "../shared/options.js";
import {
  type ArchivePolicy,
  allowedByPrefs,
  decodePrefs,
  encodePrefs,
  parsePrefs,
  policyFromOption,
  prefsElement,
} from "./mam-prefs.js";
import { type MamQuery, parseQuery, queryForm } from "./mam-query.js";
import {
  bareOf,
  localUser,
  messageType,
  NS_CHATSTATES,
  NS_DELAY,
  NS_FORWARD,
  NS_HINTS,
  NS_MAM,
  NS_MAM_EXTENDED,
  NS_RSM,
  NS_STANZA_ID,
  timestamp,
} from "./util.js";

/** Prosody's page size when the client asks for none. */
export const DEFAULT_PAGE_SIZE = 20;
/** Default of `max_archive_query_results`: the largest page a client gets. */
export const DEFAULT_MAX_PAGE_SIZE = 50;
/** Default of `archive_expires_after`. */
export const DEFAULT_EXPIRY = "1 week";

/**
 * Above the im `message` module (-1), which delivers and so must see the stanza-id we add; below
 * filters at higher priorities. Never halts.
 */
const PRIORITY = 0;

/**
 * Whether a message is worth archiving: chat or normal messages with a body, or anything marked
 * `<store/>` (XEP-0334), unless marked `<no-store/>` or `<no-permanent-store/>`.
 */
export function isArchivable(stanza: Element): boolean {
  const type = messageType(stanza);
  if (type !== "chat" && type !== "normal") return false;
  if (stanza.getChild("no-store", NS_HINTS) || stanza.getChild("no-permanent-store", NS_HINTS)) return false;
  return stanza.getChild("store", NS_HINTS) !== undefined || stanza.getChild("body") !== undefined;
}

/** Removes `<stanza-id/>` elements that claim to come from the archive of `by`. */
function stripStanzaIds(stanza: Element, by: string): void {
  stanza.children = stanza.children.filter(
    (child) =>
      typeof child === "string" ||
      !(child.name === "stanza-id" && child.attrs.xmlns === NS_STANZA_ID && child.attrs.by === by),
  );
}

/**
 * XEP-0313 message archive management (`urn:xmpp:mam:2`): chat and normal messages of local users,
 * both directions, go to each user's archive store `archive` (subject to their prefs), incoming
 * ones marked with an XEP-0359 stanza-id; the user queries the archive by `with`, time range and
 * ids, pages through it with XEP-0059 RSM, reads its metadata, and old messages expire daily.
 */
export default async function mam(module: Module): Promise<void> {
  const host = module.host;
  const archive = await module.openStore("archive", "archive");
  const prefsStore = await module.openStore("archive_prefs", "keyval");
  const roster = await module.openStore("roster", "keyval");
  const clock = module.server.scheduler.clock;
  const settingsNow = reloadableOptions(module, () => {
    const expiresAfter = module.getOptionPeriod("archive_expires_after", DEFAULT_EXPIRY);
    const configured = module.getOption("default_archive_policy", true);
    const policy = policyFromOption(configured);
    if (policy === undefined) {
      module.log(
        "error",
        'default_archive_policy must be true, false or "roster", got %s; archiving everything',
        JSON.stringify(configured),
      );
    }
    return {
      maxPage: module.getOptionInteger("max_archive_query_results", DEFAULT_MAX_PAGE_SIZE, 1),
      expiresAfter,
      stripped: (module.getOptionSet("dont_archive_namespaces", [NS_CHATSTATES]) ??
        new Set()) as Set<unknown>,
      // Counting can be slow on a store that is never trimmed, hence Prosody's default.
      includeTotal:
        module.getOptionBoolean("mam_include_total", expiresAfter !== Number.POSITIVE_INFINITY) &&
        archive.caps.total,
      defaultPolicy: policy ?? ("always" as ArchivePolicy),
    };
  });

  const bareJid = (jid: string): string => {
    try {
      const { node, domain } = parseJid(jid);
      return node === undefined ? domain : `${node}@${domain}`;
    } catch (error) {
      throw new StanzaError({
        type: "modify",
        condition: "jid-malformed",
        text: `not a JID: ${JSON.stringify(jid)} (${(error as Error).message})`,
      });
    }
  };

  async function loadPrefs(username: string) {
    return decodePrefs(await prefsStore.get(username), settingsNow().defaultPolicy);
  }

  async function inRoster(username: string, contact: string): Promise<boolean> {
    const document = await roster.get(username);
    if (document === null || typeof document !== "object" || Array.isArray(document)) return false;
    return Object.hasOwn(document, contact) && contact !== "";
  }

  async function userExists(username: string): Promise<boolean> {
    const provider = authProvider(module);
    return provider === undefined ? true : provider.userExists(username);
  }

  /** Archives for `username`; resolves to the archive id, or `undefined` when not archived. */
  async function archiveFor(username: string, stanza: Element, withJid: string): Promise<string | undefined> {
    if (!isArchivable(stanza)) return undefined;
    const prefs = await loadPrefs(username);
    if (!(await allowedByPrefs(prefs, withJid, () => inRoster(username, withJid)))) return undefined;
    const stored = clone(stanza);
    if (stored.attrs.to === undefined) stored.attrs.to = `${username}@${host}`;
    const { stripped } = settingsNow();
    if (stripped.size > 0) {
      stored.children = stored.children.filter(
        (child) => typeof child === "string" || !stripped.has(child.attrs.xmlns),
      );
      // Nothing left worth keeping once chat states and the like are gone.
      if (stored.getChildElements().length === 0) return undefined;
    }
    try {
      return await archive.append(username, undefined, stored, clock.now(), withJid);
    } catch (error) {
      // A full or broken archive must not stop delivery: the message goes on unarchived.
      module.log("error", "could not archive a message for %s: %s", username, error);
      return undefined;
    }
  }

  // ---- Archiving -------------------------------------------------------------------------------

  const incoming = async ({ origin, stanza }: RoutingEvent): Promise<undefined> => {
    const to =
      (stanza.attrs.to as string | undefined) ??
      (origin.username === undefined ? undefined : `${origin.username}@${origin.host}`);
    if (to === undefined) return undefined;
    const username = localUser(to, host);
    if (username === undefined) return undefined;
    const by = `${username}@${host}`;
    // XEP-0359 §7: a stanza-id claiming to be ours that we did not add is a forgery.
    stripStanzaIds(stanza, by);
    if (!isArchivable(stanza)) return undefined;
    const from = (stanza.attrs.from as string | undefined) ?? origin.fullJid ?? origin.host;
    if (!(await userExists(username))) return undefined;
    const id = await archiveFor(username, stanza, bareOf(from));
    if (id !== undefined) stanza.c("stanza-id", { xmlns: NS_STANZA_ID, by, id });
    return undefined;
  };

  const outgoing = async ({ origin, stanza, to_self }: RoutingEvent): Promise<undefined> => {
    const username = origin.username;
    const to = stanza.attrs.to as string | undefined;
    if (username === undefined || origin.host !== host || to_self || to === undefined) return undefined;
    // Ids of our archive that a client copied into what it sends are nobody else's business.
    stripStanzaIds(stanza, `${username}@${host}`);
    const withJid = bareOf(to);
    // A message to one's own account is archived once, on the way in, with its stanza-id.
    if (withJid === `${username}@${host}`) return undefined;
    await archiveFor(username, stanza, withJid);
    return undefined;
  };

  module.hook("message/bare", incoming, PRIORITY);
  module.hook("message/full", incoming, PRIORITY);
  module.hook("pre-message/bare", outgoing, PRIORITY);
  module.hook("pre-message/full", outgoing, PRIORITY);
  module.hook("pre-message/host", outgoing, PRIORITY);

  // ---- Queries ---------------------------------------------------------------------------------

  const fail = (origin: Session, stanza: Element, error: unknown): true => {
    if (error instanceof StanzaError) origin.send(errorReply(stanza, error));
    else if ((error as { code?: unknown } | undefined)?.code === "item-not-found") {
      origin.send(errorReply(stanza, "cancel", "item-not-found", "No archived message with that id"));
    } else {
      module.log("error", "archive query failed: %s", error);
      origin.send(errorReply(stanza, "wait", "internal-server-error"));
    }
    return true;
  };

  function resultMessage(origin: Session, query: MamQuery, item: storage.ArchiveItem): Element | undefined {
    if (!(item.value instanceof Element)) {
      module.log("warn", "archived item %s of %s is not a stanza; skipped", item.key, origin.username);
      return undefined;
    }
    const forwarded = item.value;
    forwarded.attrs.xmlns ??= "jabber:client";
    const message = new Element("message", { to: origin.fullJid });
    message
      .c("result", { xmlns: NS_MAM, queryid: query.queryId, id: item.key })
      .c("forwarded", { xmlns: NS_FORWARD })
      .c("delay", { xmlns: NS_DELAY, stamp: timestamp(item.when) })
      .up()
      .cnode(forwarded);
    return message;
  }

  async function runQuery(origin: Session, stanza: Element, username: string): Promise<true> {
    const query = parseQuery(stanza.getChild("query", NS_MAM)!, {
      defaultMax: DEFAULT_PAGE_SIZE,
      maxMax: settingsNow().maxPage,
      bare: bareJid,
    });
    if (query.find.ids !== undefined && !archive.caps.ids) {
      throw new StanzaError({
        type: "cancel",
        condition: "feature-not-implemented",
        text: "This archive cannot look messages up by id",
      });
    }
    const found = await archive.find(username, {
      ...query.find,
      // One more than the page, to learn whether the page is the last one.
      limit: query.max === 0 ? 0 : query.max + 1,
      reverse: query.reverse,
      total: settingsNow().includeTotal || query.max === 0,
    });
    let items = [...found.items];
    const complete = items.length <= query.max;
    if (!complete) items = items.slice(0, query.max);
    const page = query.reverse ? items.reverse() : items; // oldest first
    const order = query.flip ? [...page].reverse() : page;
    for (const item of order) {
      const message = resultMessage(origin, query, item);
      if (message !== undefined) origin.send(message);
    }

    const fin = reply(stanza).c("fin", {
      xmlns: NS_MAM,
      queryid: query.queryId,
      complete: complete ? "true" : undefined,
    });
    const set = fin.c("set", { xmlns: NS_RSM });
    const first = page[0];
    const last = page[page.length - 1];
    if (first !== undefined && last !== undefined) {
      // The index is only known cheaply for the first page and the last one.
      let index: number | undefined;
      if (!query.reverse && query.find.after === undefined) index = 0;
      else if (query.lastPage && found.total !== undefined) index = found.total - page.length;
      set.c("first", { index: index === undefined ? undefined : String(index) }).t(first.key);
      set.c("last").t(last.key);
    }
    if (found.total !== undefined) set.c("count").t(String(found.total));
    origin.send(fin.root());
    return true;
  }

  const selfOnly =
    (handler: (origin: Session, stanza: Element, username: string) => Promise<true>) =>
    async ({ origin, stanza }: RoutingEvent): Promise<true> => {
      const username = origin.username;
      if (username === undefined || origin.host !== host) {
        origin.send(errorReply(stanza, "cancel", "service-unavailable"));
        return true;
      }
      try {
        return await handler(origin, stanza, username);
      } catch (error) {
        return fail(origin, stanza, error);
      }
    };

  module.hook(`iq-set/self/${NS_MAM}:query`, selfOnly(runQuery));

  module.hook(
    `iq-get/self/${NS_MAM}:query`,
    selfOnly(async (origin, stanza) => {
      const answer = reply(stanza);
      answer.c("query", { xmlns: NS_MAM }).cnode(queryForm());
      origin.send(answer);
      return true;
    }),
  );

  module.hook(
    `iq-get/self/${NS_MAM}:metadata`,
    selfOnly(async (origin, stanza, username) => {
      const [first] = (await archive.find(username, { limit: 1 })).items;
      const [last] = (await archive.find(username, { limit: 1, reverse: true })).items;
      const answer = reply(stanza);
      const metadata = answer.c("metadata", { xmlns: NS_MAM });
      if (first !== undefined && last !== undefined) {
        metadata.c("start", { id: first.key, timestamp: timestamp(first.when) });
        metadata.c("end", { id: last.key, timestamp: timestamp(last.when) });
      }
      origin.send(answer);
      return true;
    }),
  );

  // ---- Preferences -----------------------------------------------------------------------------

  module.hook(
    `iq-get/self/${NS_MAM}:prefs`,
    selfOnly(async (origin, stanza, username) => {
      const answer = reply(stanza);
      answer.cnode(prefsElement(await loadPrefs(username)));
      origin.send(answer);
      return true;
    }),
  );

  module.hook(
    `iq-set/self/${NS_MAM}:prefs`,
    selfOnly(async (origin, stanza, username) => {
      const prefs = parsePrefs(stanza.getChild("prefs", NS_MAM)!, bareJid);
      await prefsStore.set(username, encodePrefs(prefs));
      const answer = reply(stanza);
      answer.cnode(prefsElement(prefs));
      origin.send(answer);
      return true;
    }),
  );

  // ---- Expiry, account deletion, discovery -----------------------------------------------------

  // Registered even when nothing expires, so that setting archive_expires_after later and
  // reloading the config is enough.
  module.daily("Remove expired messages", async () => {
    const { expiresAfter } = settingsNow();
    if (expiresAfter !== Number.POSITIVE_INFINITY) {
      const cutoff = clock.now() - expiresAfter;
      let removed = 0;
      for await (const user of archive.users()) {
        try {
          removed += await archive.delete(user, { end: cutoff });
        } catch (error) {
          module.log("error", "could not remove expired messages of %s: %s", user, error);
        }
      }
      module.log("debug", "removed %d expired archived messages", removed);
    }
  });

  module.hook<{ username: string }>("user-deleted", async ({ username }) => {
    await archive.delete(username);
    await prefsStore.set(username, undefined);
  });

  // Archives belong to accounts, so the feature is announced on the account (XEP-0313 §7).
  module.hook<{ query: Element }>("account-disco-info", ({ query }) => {
    query.c("feature", { var: NS_MAM });
    query.c("feature", { var: NS_MAM_EXTENDED });
    query.c("feature", { var: NS_STANZA_ID });
    return undefined;
  });
}
