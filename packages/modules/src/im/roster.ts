import {
  type Element,
  errorReply,
  type Module,
  NS,
  prepJid,
  presence,
  type RoutingEvent,
  reply,
} from "canto";
import type { StreamFeaturesEvent } from "../shared/contracts.js";
import { pushRosterItem } from "./roster-push.js";
import { itemElement, type RosterItem, RosterStore } from "./roster-store.js";
import { availableSessions, keepSessionStates, sessionStates, stateOf } from "./session-state.js";

/** Longest item name or group name accepted, in characters (RFC 6121 §2.3.3 lets the server choose). */
const MAX_NAME_LENGTH = 1023;

type Refusal = { type: "modify" | "cancel"; condition: string; text: string };

/** What a roster set asks for, or why it is refused (RFC 6121 §2.3.3). */
function parseRosterSet(query: Element, self: string): { jid: string; item: Element } | Refusal {
  const children = query.getChildElements();
  const item = children[0];
  if (children.length !== 1 || item === undefined || item.name !== "item") {
    return { type: "modify", condition: "bad-request", text: "A roster set must hold exactly one <item/>" };
  }
  const raw = item.attrs.jid as string | undefined;
  if (raw === undefined || raw === "") {
    return { type: "modify", condition: "bad-request", text: "The roster item has no jid attribute" };
  }
  let jid: string;
  try {
    jid = prepJid(raw);
  } catch (error) {
    return {
      type: "modify",
      condition: "jid-malformed",
      text: `The roster item's jid is invalid: ${raw} (${(error as Error).message})`,
    };
  }
  if (jid === self) {
    return { type: "cancel", condition: "not-allowed", text: "The user's own JID cannot be a roster item" };
  }
  return { jid, item };
}

/** Name and groups of a roster item to add or update. */
function parseItemDetails(
  item: Element,
): { name: string | undefined; groups: Record<string, true> } | Refusal {
  const name = (item.attrs.name as string | undefined) || undefined;
  if (name !== undefined && name.length > MAX_NAME_LENGTH) {
    return {
      type: "modify",
      condition: "not-acceptable",
      text: `The item name is longer than ${MAX_NAME_LENGTH} characters`,
    };
  }
  const groups: Record<string, true> = {};
  for (const group of item.getChildren("group")) {
    const text = group.getText();
    if (text === "")
      return { type: "modify", condition: "not-acceptable", text: "A roster group name is empty" };
    if (text.length > MAX_NAME_LENGTH) {
      return {
        type: "modify",
        condition: "not-acceptable",
        text: `A group name is longer than ${MAX_NAME_LENGTH} characters`,
      };
    }
    if (groups[text])
      return { type: "modify", condition: "bad-request", text: `The group ${text} is listed twice` };
    groups[text] = true;
  }
  return { name, groups };
}

const isRefusal = (value: object): value is Refusal => "condition" in value;

/**
 * RFC 6121 §2: roster get (with versioning, §2.6), roster set (add, update, remove) and roster
 * pushes to the sessions that asked for the roster. Rosters live in the keyval store `roster`.
 */
export default async function roster(module: Module): Promise<void> {
  const store = await RosterStore.open(module);
  const states = sessionStates(module);
  keepSessionStates(module);

  module.hook<StreamFeaturesEvent>("stream-features", ({ origin, features }) => {
    if (origin.username !== undefined) features.c("ver", { xmlns: NS.rosterver });
  });

  module.hook<RoutingEvent>(`iq/self/${NS.roster}:query`, async ({ origin, stanza }) => {
    const username = origin.username;
    if (username === undefined) return undefined;
    const query = stanza.getChild("query", NS.roster)!;
    const self = `${username}@${module.host}`;
    if (stanza.attrs.type === "get") {
      const roster = await store.load(username);
      stateOf(states, origin).interested = true;
      const result = reply(stanza);
      const clientVersion = query.attrs.ver as string | undefined;
      // Versioning: an up-to-date client gets an empty result, then only pushes (§2.6.3).
      if (clientVersion !== undefined && clientVersion === String(roster.version)) {
        origin.send(result);
        return true;
      }
      const answer = result.c("query", { xmlns: NS.roster });
      if (clientVersion !== undefined) answer.attrs.ver = String(roster.version);
      for (const [jid, item] of roster.items) answer.cnode(itemElement(jid, item));
      origin.send(result);
      return true;
    }
    if (stanza.attrs.type !== "set") return undefined;

    const request = parseRosterSet(query, self);
    if (isRefusal(request)) {
      origin.send(errorReply(stanza, request.type, request.condition, request.text));
      return true;
    }
    const { jid, item } = request;
    if (item.attrs.subscription === "remove") return removeItem(origin, stanza, username, jid);

    // Other subscription and ask values in a roster set are ignored (RFC 6121 §2.1.2.5, §2.1.2.2).
    const details = parseItemDetails(item);
    if (isRefusal(details)) {
      origin.send(errorReply(stanza, details.type, details.condition, details.text));
      return true;
    }
    let saved: RosterItem | undefined;
    let version = 0;
    await store.modify(username, (roster) => {
      const existing = roster.items.get(jid);
      saved = { subscription: existing?.subscription ?? "none", groups: details.groups };
      if (existing?.ask !== undefined) saved.ask = existing.ask;
      if (details.name !== undefined) saved.name = details.name;
      roster.items.set(jid, saved);
      version = roster.version + 1;
      return true;
    });
    origin.send(reply(stanza));
    pushRosterItem(module, username, jid, saved, version);
    return true;
  });

  // A deleted account leaves its contacts' rosters consistent: each learns the subscription ended.
  module.hook<{ username: string }>("user-deleted", async ({ username }) => {
    const roster = await store.load(username);
    const from = `${username}@${module.host}`;
    for (const [jid, item] of roster.items) {
      if (item.subscription === "from" || item.subscription === "both" || roster.pending.has(jid)) {
        await module.send(presence({ from, to: jid, type: "unsubscribed" }));
      }
      if (item.subscription === "to" || item.subscription === "both" || item.ask !== undefined) {
        await module.send(presence({ from, to: jid, type: "unsubscribe" }));
      }
    }
    for (const jid of roster.pending.keys()) {
      if (!roster.items.has(jid)) await module.send(presence({ from, to: jid, type: "unsubscribed" }));
    }
    await store.delete(username);
  });

  /** Removes an item (§2.5): cancels both directions of the subscription, then pushes the removal. */
  async function removeItem(origin: RoutingEvent["origin"], stanza: Element, username: string, jid: string) {
    let removed: RosterItem | undefined;
    let wasPending = false;
    let version = 0;
    const found = await store.modify(username, (roster) => {
      removed = roster.items.get(jid);
      wasPending = roster.pending.delete(jid);
      if (removed === undefined && !wasPending) return false;
      roster.items.delete(jid);
      version = roster.version + 1;
      return true;
    });
    if (!found) {
      origin.send(errorReply(stanza, "cancel", "item-not-found", `${jid} is not in the roster`));
      return true;
    }
    origin.send(reply(stanza));
    const from = `${username}@${module.host}`;
    const subscription = removed?.subscription ?? "none";
    if (subscription === "from" || subscription === "both" || wasPending) {
      await module.send(presence({ from, to: jid, type: "unsubscribed" }), origin);
    }
    // The contact stops receiving the user's presence, so it sees each resource go (§2.5.2).
    if (subscription === "from" || subscription === "both") {
      for (const session of availableSessions(module, from)) {
        if (session.fullJid === undefined) continue;
        await module.send(presence({ from: session.fullJid, to: jid, type: "unavailable" }), session);
      }
    }
    if (subscription === "to" || subscription === "both" || removed?.ask !== undefined) {
      await module.send(presence({ from, to: jid, type: "unsubscribe" }), origin);
    }
    if (removed !== undefined) pushRosterItem(module, username, jid, undefined, version);
    return true;
  }
}
