import { describe, expect, it } from "vitest";
import { emptyRoster, type Roster, type Subscription } from "./roster-store.js";
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

const C = "bob@localhost";

/** A roster in a state written as RFC 6121 Appendix A names it: "none", "none+out", "from+in", ... */
function rosterIn(state: string): Roster {
  const roster = emptyRoster();
  const [subscription, ...flags] = state.split("+") as [Subscription | "absent", ...string[]];
  if (subscription !== "absent") {
    roster.items.set(C, { subscription, groups: {}, ask: flags.includes("out") ? "subscribe" : undefined });
  }
  if (flags.includes("in")) roster.pending.set(C, true);
  return roster;
}

function stateOf(roster: Roster): string {
  const item = roster.items.get(C);
  let state = item === undefined ? "absent" : item.subscription;
  if (item?.ask !== undefined) state += "+out";
  if (roster.pending.has(C)) state += "+in";
  return state;
}

type Step = (roster: Roster, contact: string) => boolean;
const steps: Record<string, Step> = {
  "out subscribe": outboundSubscribe,
  "out unsubscribe": outboundUnsubscribe,
  "out subscribed": outboundSubscribed,
  "out unsubscribed": (r, c) => outboundUnsubscribed(r, c).changed,
  "in subscribe": (r, c) => inboundSubscribe(r, c, true),
  "in subscribed": inboundSubscribed,
  "in unsubscribe": inboundUnsubscribe,
  "in unsubscribed": inboundUnsubscribed,
};

// [step, state before, state after, whether the roster changed] — RFC 6121 Appendix A.
const table: [string, string, string, boolean][] = [
  ["out subscribe", "absent", "none+out", true],
  ["out subscribe", "none", "none+out", true],
  ["out subscribe", "from", "from+out", true],
  ["out subscribe", "none+out", "none+out", false],
  ["out subscribe", "to", "to", false],
  ["out subscribe", "both", "both", false],
  ["out unsubscribe", "none+out", "none", true],
  ["out unsubscribe", "to", "none", true],
  ["out unsubscribe", "both", "from", true],
  ["out unsubscribe", "from", "from", false],
  ["out unsubscribe", "absent", "absent", false],
  ["out subscribed", "none+in", "from", true],
  ["out subscribed", "absent+in", "from", true],
  ["out subscribed", "to+in", "both", true],
  ["out subscribed", "none+out+in", "from+out", true],
  ["out subscribed", "none", "none", false],
  ["out subscribed", "from", "from", false],
  ["out unsubscribed", "none+in", "none", true],
  ["out unsubscribed", "from", "none", true],
  ["out unsubscribed", "both", "to", true],
  ["out unsubscribed", "to", "to", false],
  ["in subscribe", "none", "none+in", true],
  ["in subscribe", "absent", "absent+in", true],
  ["in subscribe", "to", "to+in", true],
  ["in subscribe", "none+in", "none+in", false],
  ["in subscribed", "none+out", "to", true],
  ["in subscribed", "from+out", "both", true],
  ["in subscribed", "none", "none", false],
  ["in subscribed", "absent", "absent", false],
  ["in subscribed", "to", "to", false],
  ["in unsubscribe", "from", "none", true],
  ["in unsubscribe", "both", "to", true],
  ["in unsubscribe", "none+in", "none", true],
  ["in unsubscribe", "to", "to", false],
  ["in unsubscribed", "to", "none", true],
  ["in unsubscribed", "both", "from", true],
  ["in unsubscribed", "none+out", "none", true],
  ["in unsubscribed", "from+out", "from", true],
  ["in unsubscribed", "from", "from", false],
];

describe("subscription state machine (RFC 6121 Appendix A)", () => {
  it.each(table)("%s: %s → %s", (step, before, after, changed) => {
    const roster = rosterIn(before);
    expect(steps[step]!(roster, C)).toBe(changed);
    expect(stateOf(roster)).toBe(after);
  });
});
