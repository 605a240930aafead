import { describe, expect, it } from "vitest";
import { identifyActor } from "./context.js";
import { NoActorError } from "./errors.js";
import { splitJid } from "./jid.js";

const host = "example.com";
const identify = (context: unknown) => identifyActor(context, host, splitJid);

function noActor(context: unknown): NoActorError {
  try {
    identify(context);
  } catch (err) {
    if (err instanceof NoActorError) return err;
    throw err;
  }
  throw new Error("expected no-actor");
}

describe("identifyActor", () => {
  it("reads a JID string and { actor_jid }", () => {
    expect(identify("Alice@Example.com/phone")).toEqual({
      kind: "jid",
      label: "Alice@Example.com/phone",
      jid: { node: "alice", domain: "example.com", resource: "phone" },
    });
    expect(identify({ actor_jid: "bob@remote.net" })).toMatchObject({ kind: "jid", label: "bob@remote.net" });
  });

  it("prefers actor_jid over a session", () => {
    const actor = identify({ actor_jid: "bob@remote.net", session: { type: "c2s", host } });
    expect(actor.kind).toBe("jid");
  });

  it("uses a client session of this host by itself", () => {
    const session = { type: "c2s", host, username: "alice", full_jid: "alice@example.com/x" };
    expect(identify({ origin: session, stanza: {} })).toMatchObject({
      kind: "session",
      label: "alice@example.com/x",
    });
    expect(identify({ session: { type: "c2s", host, username: "al" } }).label).toBe("al@example.com");
    expect(identify({ session: { type: "c2s", host, id: "c2s1" } }).label).toBe("session c2s1");
  });

  it("uses the stanza's sender for any other session, from attrs or attr()", () => {
    const s2s = { type: "s2sin", host };
    expect(identify({ origin: s2s, stanza: { attrs: { from: "eve@remote.net/r" } } })).toMatchObject({
      kind: "sender",
      jid: { node: "eve", domain: "remote.net", resource: "r" },
    });
    const otherHost = { type: "c2s", host: "other.example" };
    const stanza = { attr: (name: string) => (name === "from" ? "bob@other.example" : undefined) };
    expect(identify({ origin: otherHost, stanza })).toMatchObject({
      kind: "sender",
      label: "bob@other.example",
    });
  });

  it("throws no-actor for a context that names nobody", () => {
    for (const context of [
      undefined,
      null,
      42,
      "",
      "@example.com",
      "user@",
      {},
      { origin: "c2s" },
      { session: null },
      { actor_jid: 7 },
      { actor_jid: "" },
      { origin: { type: "s2sin" } },
      { origin: { type: "s2sin" }, stanza: { attrs: {} } },
      { origin: { type: "component" }, stanza: null },
    ]) {
      const err = noActor(context);
      expect(err.code).toBe("no-actor");
    }
  });
});

describe("splitJid", () => {
  it("splits and lowercases node and domain, keeping the resource", () => {
    expect(splitJid("A@B.C/D/E")).toEqual({ node: "a", domain: "b.c", resource: "D/E" });
    expect(splitJid("b.c")).toEqual({ node: undefined, domain: "b.c", resource: undefined });
    expect(splitJid("a@b@c")).toBeUndefined();
    expect(splitJid("a@b/")).toBeUndefined();
  });
});
