import type { Element } from "canto";
import type { Roster, RosterItem } from "./roster-store.js";

/**
 * The subscription state machine of RFC 6121 §3 and Appendix A, as changes to the user's roster.
 * Each function returns whether the roster changed (and so must be saved and pushed).
 */

function itemFor(roster: Roster, contact: string): RosterItem {
  let item = roster.items.get(contact);
  if (item === undefined) {
    item = { subscription: "none", groups: {} };
    roster.items.set(contact, item);
  }
  return item;
}

/** The user sends `subscribe` to a contact (§3.1.2): the item is created if needed and marked pending out. */
export function outboundSubscribe(roster: Roster, contact: string): boolean {
  const existing = roster.items.get(contact);
  if (existing?.subscription === "to" || existing?.subscription === "both" || existing?.ask === "subscribe") {
    // Already subscribed or pending: the request is still sent, the roster doesn't change (A.2.1).
    return false;
  }
  itemFor(roster, contact).ask = "subscribe";
  return true;
}

/**
 * Drops the user's `to` half of the subscription and any request the user has pending: the user
 * sends `unsubscribe` (§3.3.2), and a contact cancels or denies it with `unsubscribed` (§3.2.3).
 */
function dropTo(roster: Roster, contact: string): boolean {
  const item = roster.items.get(contact);
  if (item === undefined) return false;
  let changed = false;
  if (item.ask !== undefined) {
    item.ask = undefined;
    changed = true;
  }
  if (item.subscription === "to") {
    item.subscription = "none";
    changed = true;
  } else if (item.subscription === "both") {
    item.subscription = "from";
    changed = true;
  }
  return changed;
}

/** The user sends `unsubscribe` (§3.3.2): drops the `to` half and any pending request. */
export const outboundUnsubscribe: (roster: Roster, contact: string) => boolean = dropTo;

/**
 * The user sends `subscribed` (§3.1.5): approves a pending inbound request. Without one there is
 * nothing to approve (pre-approval, §3.4, is not offered) and nothing changes.
 */
export function outboundSubscribed(roster: Roster, contact: string): boolean {
  if (!roster.pending.has(contact)) return false;
  roster.pending.delete(contact);
  const item = itemFor(roster, contact);
  if (item.subscription === "none") item.subscription = "from";
  else if (item.subscription === "to") item.subscription = "both";
  return true;
}

/** The user sends `unsubscribed` (§3.2.1, §3.1.5 denial): cancels the contact's subscription or request. */
export function outboundUnsubscribed(
  roster: Roster,
  contact: string,
): { changed: boolean; wasPending: boolean; wasSubscribed: boolean } {
  const wasPending = roster.pending.delete(contact);
  const item = roster.items.get(contact);
  let wasSubscribed = false;
  if (item?.subscription === "from") {
    item.subscription = "none";
    wasSubscribed = true;
  } else if (item?.subscription === "both") {
    item.subscription = "to";
    wasSubscribed = true;
  }
  return { changed: wasPending || wasSubscribed, wasPending, wasSubscribed };
}

/** A `subscribe` arrives from a contact not yet subscribed (§3.1.3): remembered until answered. */
export function inboundSubscribe(roster: Roster, contact: string, request: Element | true): boolean {
  if (roster.pending.has(contact)) return false;
  roster.pending.set(contact, request);
  return true;
}

/** A contact approves our request (§3.1.6); ignored unless we asked (A.3.1). */
export function inboundSubscribed(roster: Roster, contact: string): boolean {
  const item = roster.items.get(contact);
  if (item === undefined || item.ask !== "subscribe") return false;
  item.ask = undefined;
  if (item.subscription === "none") item.subscription = "to";
  else if (item.subscription === "from") item.subscription = "both";
  return true;
}

/** A contact unsubscribes from the user's presence (§3.3.3): drops the `from` half and its pending request. */
export function inboundUnsubscribe(roster: Roster, contact: string): boolean {
  let changed = roster.pending.delete(contact);
  const item = roster.items.get(contact);
  if (item?.subscription === "from") {
    item.subscription = "none";
    changed = true;
  } else if (item?.subscription === "both") {
    item.subscription = "to";
    changed = true;
  }
  return changed;
}

/** A contact cancels or denies the user's subscription (§3.2.3): drops the `to` half and `ask`. */
export const inboundUnsubscribed: (roster: Roster, contact: string) => boolean = dropTo;
