import {
  bareOf,
  clone,
  type Element,
  errorReply,
  type Module,
  presence,
  type RoutingEvent,
  type Session,
} from "canto";
import { authProvider } from "../shared/contracts.js";
import { pushRosterItem } from "./roster-push.js";
import { contactIsSubscribed, type Roster, RosterStore, userIsSubscribed } from "./roster-store.js";
import {
  availableSessions,
  interestedSessions,
  keepSessionStates,
  localUser,
  sessionStates,
  stateOf,
} from "./session-state.js";
import {
  inboundSubscribe,
  inboundSubscribed,
  inboundUnsubscribe,
  inboundUnsubscribed,
  outboundSubscribe,
  outboundSubscribed,
  outboundUnsubscribe,
  outboundUnsubscribed,
} from "./subscriptions.js";

const SUBSCRIPTION_TYPES = new Set(["subscribe", "subscribed", "unsubscribe", "unsubscribed"]);
const KNOWN_TYPES = new Set([...SUBSCRIPTION_TYPES, "probe", "unavailable", "error"]);
/** Above the core delivery handlers (-1000), below modules that filter presence at 0 and up. */
const PRIORITY = -1;

/** `<priority/>` as RFC 6121 §4.7.2.3 reads it: an integer in -128..127, 0 when absent or invalid. */
export function presencePriority(stanza: Element): number {
  const text = stanza.getChildText("priority")?.trim();
  if (text === undefined || !/^[+-]?\d+$/.test(text)) return 0;
  return Math.max(-128, Math.min(127, Number.parseInt(text, 10)));
}

/**
 * RFC 6121 §3-4: subscriptions and their state machine with roster pushes, presence broadcast and
 * probes, directed presence, and unavailable presence when a session ends without sending it.
 */
export default async function presenceModule(module: Module): Promise<void> {
  const store = await RosterStore.open(module);
  const states = sessionStates(module);
  keepSessionStates(module);
  const host = module.host;
  const clock = module.server.scheduler.clock;

  const userExists = async (username: string): Promise<boolean> => {
    const provider = authProvider(module);
    // Without an auth provider (tests, custom setups) every local user is taken to exist.
    return provider === undefined ? true : provider.userExists(username);
  };

  /** Runs a state-machine step on a roster and pushes the item when it changed. */
  async function change(
    username: string,
    contact: string,
    step: (roster: Roster) => boolean,
  ): Promise<boolean> {
    let version = 0;
    let item: ReturnType<Roster["items"]["get"]>;
    const changed = await store.modify(username, (roster) => {
      const result = step(roster);
      version = roster.version + 1;
      item = roster.items.get(contact);
      return result;
    });
    if (changed) pushRosterItem(module, username, contact, item, version);
    return changed;
  }

  /** Sends the last presence of each available resource of `bareJid` (or `template` from each) to `to`. */
  async function sendPresenceOfResources(bareJid: string, to: string, template?: Element): Promise<number> {
    let sent = 0;
    for (const session of availableSessions(module, bareJid)) {
      const last = states.get(session)?.presence;
      if (last === undefined || session.fullJid === undefined) continue;
      const copy = clone(template ?? last);
      copy.attrs.from = session.fullJid;
      copy.attrs.to = to;
      await module.send(copy);
      sent += 1;
    }
    return sent;
  }

  // ---- Outbound: what the user's client sends (RFC 6121 §3.1.2, §3.2.1, §3.3.2, §3.1.5, §4.6) ----

  async function outbound(event: RoutingEvent): Promise<true | undefined> {
    const { origin, stanza } = event;
    const to = stanza.attrs.to as string | undefined;
    const username = origin.username;
    if (to === undefined || username === undefined) return undefined;
    const type = stanza.attrs.type as string | undefined;
    if (type !== undefined && !KNOWN_TYPES.has(type)) {
      origin.send(errorReply(stanza, "modify", "bad-request", `Unknown presence type: ${type}`));
      return true;
    }
    if (type !== undefined && SUBSCRIPTION_TYPES.has(type)) {
      return outboundSubscription(origin, stanza, username, bareOf(to), type);
    }
    if (type === "probe") return undefined;
    // Directed presence (§4.6): remember who got it, unless they get our presence anyway (the
    // user's own resources and subscribed contacts).
    const toBare = bareOf(to);
    if (toBare === `${username}@${host}`) return undefined;
    const roster = await store.load(username);
    if (contactIsSubscribed(roster.items.get(toBare))) return undefined;
    const directed = stateOf(states, origin).directed;
    if (type === undefined) directed.add(to);
    else directed.delete(to);
    return undefined;
  }

  async function outboundSubscription(
    origin: Session,
    stanza: Element,
    username: string,
    contact: string,
    type: string,
  ): Promise<true> {
    const self = `${username}@${host}`;
    if (contact === self) {
      origin.send(
        errorReply(stanza, "modify", "bad-request", "A user cannot subscribe to their own presence"),
      );
      return true;
    }
    // Subscription stanzas carry bare JIDs both ways (§3.1.2).
    const outgoing = clone(stanza);
    outgoing.attrs.from = self;
    outgoing.attrs.to = contact;
    if (type === "subscribe") {
      await change(username, contact, (roster) => outboundSubscribe(roster, contact));
      await module.send(outgoing, origin);
    } else if (type === "unsubscribe") {
      await change(username, contact, (roster) => outboundUnsubscribe(roster, contact));
      await module.send(outgoing, origin);
    } else if (type === "subscribed") {
      await change(username, contact, (roster) => outboundSubscribed(roster, contact));
      const roster = await store.load(username);
      // Without a pending request there is nothing to approve: the stanza is not routed (§3.1.5).
      if (contactIsSubscribed(roster.items.get(contact))) {
        await module.send(outgoing, origin);
        await sendPresenceOfResources(self, contact);
      }
    } else {
      let outcome = { changed: false, wasPending: false, wasSubscribed: false };
      await change(username, contact, (roster) => {
        outcome = outboundUnsubscribed(roster, contact);
        return outcome.changed;
      });
      if (outcome.changed) {
        await module.send(outgoing, origin);
        if (outcome.wasSubscribed)
          await sendPresenceOfResources(self, contact, presence({ type: "unavailable" }));
      }
    }
    return true;
  }

  module.hook("pre-presence/bare", outbound, PRIORITY);
  module.hook("pre-presence/full", outbound, PRIORITY);
  module.hook("pre-presence/host", outbound, PRIORITY);

  // ---- Inbound: what arrives for a local user (RFC 6121 §3.1.3, §3.1.6, §3.2.3, §3.3.3, §4.3.2) ----

  async function inboundSubscription(origin: Session, stanza: Element, toBare: string): Promise<true> {
    const type = stanza.attrs.type as string;
    const from = stanza.attrs.from as string | undefined;
    if (from === undefined) {
      origin.send(
        errorReply(stanza, "modify", "bad-request", "A subscription or probe needs a from address"),
      );
      return true;
    }
    const fromBare = bareOf(from);
    const username = localUser(toBare, host);
    if (username === undefined) return true;
    if (!(await userExists(username))) {
      // No such user (RFC 6121 §8.5.1): subscriptions and probes learn they are not subscribed.
      if (type === "subscribe" || type === "probe") {
        await module.send(presence({ from: toBare, to: fromBare, type: "unsubscribed" }));
      }
      return true;
    }
    const incoming = clone(stanza);
    incoming.attrs.from = fromBare;
    incoming.attrs.to = toBare;

    if (type === "probe") {
      const roster = await store.load(username);
      if (fromBare === toBare || contactIsSubscribed(roster.items.get(fromBare))) {
        if ((await sendPresenceOfResources(toBare, from)) === 0) {
          await module.send(presence({ from: toBare, to: from, type: "unavailable" }));
        }
      } else {
        await module.send(presence({ from: toBare, to: fromBare, type: "unsubscribed" }));
      }
    } else if (type === "subscribe") {
      const roster = await store.load(username);
      if (contactIsSubscribed(roster.items.get(fromBare))) {
        // Already approved (§3.1.3): answer for the user, with their presence.
        await module.send(presence({ from: toBare, to: fromBare, type: "subscribed" }));
        if ((await sendPresenceOfResources(toBare, fromBare)) === 0) {
          await module.send(presence({ from: toBare, to: fromBare, type: "unavailable" }));
        }
      } else {
        const stored = await store.modify(username, (r) => inboundSubscribe(r, fromBare, incoming));
        // Stored requests are delivered again at the next available presence, so none is lost.
        if (stored) for (const session of availableSessions(module, toBare)) session.send(clone(incoming));
      }
    } else {
      let wasSubscribed = false;
      const changed = await change(username, fromBare, (roster) => {
        if (type === "subscribed") return inboundSubscribed(roster, fromBare);
        if (type === "unsubscribed") return inboundUnsubscribed(roster, fromBare);
        wasSubscribed = contactIsSubscribed(roster.items.get(fromBare));
        return inboundUnsubscribe(roster, fromBare);
      });
      if (changed) for (const session of interestedSessions(module, toBare)) session.send(clone(incoming));
      // The contact no longer receives the user's presence: tell it they are gone (§3.3.3).
      if (type === "unsubscribe" && wasSubscribed) {
        await sendPresenceOfResources(toBare, fromBare, presence({ type: "unavailable" }));
      }
    }
    return true;
  }

  module.hook<RoutingEvent>(
    "presence/bare",
    async ({ origin, stanza }) => {
      const to = stanza.attrs.to as string | undefined;
      const type = stanza.attrs.type as string | undefined;
      if (to === undefined) {
        // Presence with no `to` from a client: its broadcast presence (§4.2, §4.4, §4.5).
        if (type === undefined || type === "unavailable") await broadcastPresence(origin, stanza);
        else if (type !== "error") {
          origin.send(
            errorReply(stanza, "modify", "bad-request", `Presence of type ${type} needs a to address`),
          );
        }
        return true;
      }
      if (type !== undefined && !KNOWN_TYPES.has(type)) {
        origin.send(errorReply(stanza, "modify", "bad-request", `Unknown presence type: ${type}`));
        return true;
      }
      if (type !== undefined && type !== "unavailable" && type !== "error") {
        return inboundSubscription(origin, stanza, to);
      }
      // Presence for the user: to the available resources only; none available, nothing to do (§4.3).
      for (const session of availableSessions(module, to)) session.send(stanza);
      return true;
    },
    PRIORITY,
  );

  module.hook<RoutingEvent>(
    "presence/full",
    async ({ origin, stanza }) => {
      const to = stanza.attrs.to as string;
      const type = stanza.attrs.type as string | undefined;
      if (type !== undefined && !KNOWN_TYPES.has(type)) {
        if (type !== "error")
          origin.send(errorReply(stanza, "modify", "bad-request", `Unknown presence type: ${type}`));
        return true;
      }
      if (type !== undefined && type !== "unavailable" && type !== "error") {
        return inboundSubscription(origin, stanza, bareOf(to));
      }
      // To a resource that is gone the presence is ignored (RFC 6121 §8.5.3.2.3).
      module.server.sessions.full(to)?.send(stanza);
      return true;
    },
    PRIORITY,
  );

  module.hook<RoutingEvent>(
    "presence/host",
    async ({ stanza }) => {
      const from = stanza.attrs.from as string | undefined;
      if (from === undefined) return true;
      const id = stanza.attrs.id as string | undefined;
      const type = stanza.attrs.type as string | undefined;
      // The server itself is always available and accepts every subscriber, as Prosody's host does.
      if (type === "probe") await module.send(presence({ from: host, to: from, id }));
      else if (type === "subscribe") {
        await module.send(presence({ from: host, to: bareOf(from), id, type: "subscribed" }));
        await module.send(presence({ from: host, to: bareOf(from), id }));
      }
      return true;
    },
    PRIORITY,
  );

  // ---- The user's own presence (RFC 6121 §4.2 initial, §4.4 updates, §4.5 unavailable) ----

  async function broadcastPresence(origin: Session, stanza: Element): Promise<void> {
    const username = origin.username;
    const fullJid = origin.fullJid;
    if (username === undefined || fullJid === undefined) return;
    const self = `${username}@${host}`;
    const type = stanza.attrs.type as string | undefined;
    const priority = presencePriority(stanza);
    const state = stateOf(states, origin);
    const roster = await store.load(username);
    const stillBound = module.server.sessions.full(fullJid) === origin;

    const outgoing = clone(stanza);
    outgoing.attrs.from = fullJid;
    delete outgoing.attrs.to;
    if (stillBound) {
      // Back to the resource that sent it, addressed to it as in RFC 6121 §4.2.2's example.
      const reflected = clone(outgoing);
      reflected.attrs.to = fullJid;
      origin.send(reflected);
    }

    const sendTo = async (to: string) => {
      const copy = clone(outgoing);
      copy.attrs.to = to;
      await module.send(copy, origin);
    };
    for (const session of availableSessions(module, self)) {
      if (session !== origin && session.fullJid !== undefined) await sendTo(session.fullJid);
    }
    for (const [jid, item] of roster.items) if (contactIsSubscribed(item)) await sendTo(jid);

    const initial = type === undefined && state.presence === undefined;
    if (type === "unavailable") {
      state.presence = undefined;
      origin.priority = undefined;
      const directed = [...state.directed];
      state.directed.clear();
      for (const jid of directed) await sendTo(jid);
      return;
    }
    const kept = clone(outgoing);
    kept.c("delay", {
      xmlns: "urn:xmpp:delay",
      from: host,
      stamp: new Date(clock.now() * 1000).toISOString(),
    });
    state.presence = kept;
    origin.priority = priority;
    if (!initial) return;

    await module.fireEvent("presence/initial", { origin, stanza: outgoing });
    for (const [jid, item] of roster.items) {
      if (userIsSubscribed(item))
        await module.send(presence({ from: fullJid, to: jid, type: "probe" }), origin);
    }
    // The new resource learns of the user's other available resources...
    for (const session of availableSessions(module, self)) {
      const last = states.get(session)?.presence;
      if (session === origin || last === undefined || session.fullJid === undefined) continue;
      const copy = clone(last);
      copy.attrs.from = session.fullJid;
      copy.attrs.to = fullJid;
      origin.send(copy);
    }
    // ...of subscription requests that came while no resource was available...
    for (const [jid, request] of roster.pending) {
      const copy = request === true ? presence({ type: "subscribe" }) : clone(request);
      copy.attrs.from = jid;
      copy.attrs.to = self;
      origin.send(copy);
    }
    // ...and the user's own pending requests are sent again, as the contact may have missed them.
    for (const [jid, item] of roster.items) {
      if (item.ask === "subscribe")
        await module.send(presence({ from: self, to: jid, type: "subscribe" }), origin);
    }
    if (priority >= 0) await module.fireEvent("message/offline/broadcast", { origin });
  }

  // A session that ends without going unavailable does so now (§4.5.2 / RFC 6120 §4.4).
  // The session manager doesn't wait for (or catch) this event's handlers: failures are logged here.
  module.hook<{ session: Session; error?: string }>("resource-unbind", async ({ session, error }) => {
    try {
      await goneOffline(session, error);
    } catch (failure) {
      module.log("error", "could not send unavailable presence for %s: %s", session.fullJid, failure);
    }
    return undefined;
  });

  async function goneOffline(session: Session, error: string | undefined): Promise<void> {
    const state = states.get(session);
    if (state === undefined || session.fullJid === undefined) return;
    if (state.presence !== undefined) {
      const unavailable = presence({ type: "unavailable", from: session.fullJid });
      if (error !== undefined) unavailable.c("status").t(`Disconnected: ${error}`);
      await broadcastPresence(session, unavailable);
    } else if (state.directed.size > 0) {
      const directed = [...state.directed];
      state.directed.clear();
      for (const jid of directed) {
        await module.send(presence({ type: "unavailable", from: session.fullJid, to: jid }), session);
      }
    }
  }
}
