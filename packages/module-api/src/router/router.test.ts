import { type Element, iq, message, presence } from "@canto/stanza";
import { afterEach, describe, expect, it } from "vitest";
import { createTestServer, type TestServer } from "../testing.js";
import type { RoutingEvent } from "./router.js";

let current: TestServer | undefined;
afterEach(async () => {
  await current?.stop();
  current = undefined;
});

async function traced(config = { hosts: { localhost: {}, "other.example": {} } }) {
  const t = await createTestServer({ config });
  current = t;
  const trace: string[] = [];
  for (const host of ["localhost", "other.example"]) {
    t.server.host(host)!.events.observe((e) => {
      // Only routing events: connecting a session also fires authentication-success and resource-bind.
      if (typeof e.name === "string" && !/^(item-|authentication-|resource-)/.test(e.name)) {
        trace.push(`${host} ${e.name}`);
      }
    });
  }
  return { t, trace };
}

describe("routing events", () => {
  it("fires pre-stanza, pre-<kind>/<to-type>, then <kind>/<to-type> on the destination host", async () => {
    const { t, trace } = await traced();
    const alice = t.connect("alice@localhost/phone");
    t.connect("bob@other.example/desk");
    await alice.process(message({ to: "bob@other.example/desk", type: "chat" }, "hi"));
    expect(trace).toEqual([
      "localhost pre-stanza",
      "localhost pre-message/full",
      "other.example message/full",
    ]);
  });

  it("stamps the client's full JID as from, and turns its own bare JID into <kind>/self", async () => {
    const { t, trace } = await traced();
    const alice = t.connect("alice@localhost/phone");
    let seen: RoutingEvent | undefined;
    t.server.host("localhost")!.events.hook(
      "iq/self",
      (e) => {
        seen = e as RoutingEvent;
      },
      10,
    );
    await alice.process(
      iq({ type: "get", id: "r1", to: "alice@localhost" }).c("query", { xmlns: "jabber:iq:roster" }).root(),
    );
    expect(seen?.stanza.attrs.from).toBe("alice@localhost/phone");
    expect(seen?.stanza.attrs.to).toBeUndefined();
    expect(seen?.to_self).toBe(true);
    expect(trace).toContain("localhost iq/bare");
    expect(trace).toContain("localhost iq/self");
  });

  it("fans IQs out to iq/<to-type>/<ns>:<name>, then iq-get|set/..., and results by id", async () => {
    const { t, trace } = await traced();
    const alice = t.connect("alice@localhost/phone");
    await alice.process(
      iq({ type: "get", id: "v1", to: "localhost" }).c("query", { xmlns: "jabber:iq:version" }).root(),
    );
    // Observers see events as they complete, so the fan-out's inner events come before iq/host.
    expect(trace).toEqual([
      "localhost pre-stanza",
      "localhost pre-iq/host",
      "localhost iq/host/jabber:iq:version:query",
      "localhost iq-get/host/jabber:iq:version:query",
      "localhost iq/host",
    ]);
    trace.length = 0;
    await alice.process(iq({ type: "result", id: "abc", to: "localhost" }));
    expect(trace).toContain("localhost iq-result/host/abc");
  });

  it("answers unhandled get/set IQs and messages with service-unavailable, and drops results, errors and presence", async () => {
    const t = await createTestServer();
    current = t;
    const alice = t.connect("alice@localhost/phone");
    await alice.process(
      iq({ type: "get", id: "u1", to: "localhost" }).c("nothing", { xmlns: "urn:none" }).root(),
    );
    await alice.process(message({ to: "nobody@localhost", type: "chat" }, "x"));
    await alice.process(iq({ type: "result", id: "u2", to: "localhost" }));
    await alice.process(presence({ to: "localhost" }));
    expect(alice.received.map((s) => [s.name, s.attrs.type, s.getChild("error")?.children[0]])).toEqual([
      ["iq", "error", expect.objectContaining({ name: "service-unavailable" })],
      ["message", "error", expect.objectContaining({ name: "service-unavailable" })],
    ]);
  });

  it("delivers messages to bound sessions of a bare JID with non-negative priority", async () => {
    const t = await createTestServer();
    current = t;
    const alice = t.connect("alice@localhost/phone");
    const bob1 = t.connect("bob@localhost/a");
    const bob2 = t.connect("bob@localhost/b", { priority: -1 });
    await alice.process(message({ to: "bob@localhost", type: "chat" }, "hi"));
    expect(bob1.received).toHaveLength(1);
    expect(bob2.received).toHaveLength(0);
    await alice.process(message({ to: "bob@localhost/b", type: "chat" }, "direct"));
    expect(bob2.received).toHaveLength(1);
  });

  it("sends other domains to route/remote, refused with not-allowed when nobody routes them", async () => {
    const { t, trace } = await traced();
    const alice = t.connect("alice@localhost/phone");
    await alice.process(message({ to: "carol@remote.example", type: "chat" }, "x"));
    expect(trace).toContain("localhost route/remote");
    expect(alice.received[0]?.getChild("error")?.getChild("not-allowed")).toBeDefined();
  });

  it("answers a malformed address with jid-malformed, naming the part", async () => {
    const t = await createTestServer();
    current = t;
    const alice = t.connect("alice@localhost/phone");
    await alice.process(message({ to: "a@b@c", type: "chat" }, "x"));
    const error = alice.received[0]!.getChild("error")!;
    expect(error.getChild("jid-malformed")).toBeDefined();
    expect(error.getChildText("text")).toMatch(/destination address is invalid: a@b@c/);
  });

  it("refuses stanzas from an authenticated but unbound client, except resource binding", async () => {
    const t = await createTestServer();
    current = t;
    const received: Element[] = [];
    const session = {
      type: "c2s",
      host: "localhost",
      username: "alice",
      send: (s: Element) => void received.push(s),
    };
    await t.server.process(session, message({ to: "bob@localhost" }, "x"));
    expect(received[0]?.getChild("error")?.getChild("not-authorized")).toBeDefined();
    let bindSeen = false;
    t.server.host("localhost")!.events.hook("iq/self/urn:ietf:params:xml:ns:xmpp-bind:bind", () => {
      bindSeen = true;
      return true;
    });
    await t.server.process(
      session,
      iq({ type: "set", id: "b" }).c("bind", { xmlns: "urn:ietf:params:xml:ns:xmpp-bind" }).root(),
    );
    expect(bindSeen).toBe(true);
  });

  it("fires stanza/<xmlns>:<name> for negotiation elements of unauthenticated sessions", async () => {
    const t = await createTestServer();
    current = t;
    const got: string[] = [];
    t.server.host("localhost")!.events.hook("stanza/urn:ietf:params:xml:ns:xmpp-tls:starttls", () => {
      got.push("starttls");
      return true;
    });
    const session = { type: "c2s_unauthed", host: "localhost", send: () => {} };
    const { Element } = await import("@canto/stanza");
    await t.server.process(session, new Element("starttls", { xmlns: "urn:ietf:params:xml:ns:xmpp-tls" }));
    expect(got).toEqual(["starttls"]);
  });
});

describe("ordering", () => {
  it("handles a session's stanzas in order even when a handler awaits, without blocking other sessions", async () => {
    const t = await createTestServer();
    current = t;
    const order: string[] = [];
    let release!: () => void;
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    t.server.host("localhost")!.events.hook(
      "message/bare",
      async (e) => {
        const body = (e as RoutingEvent).stanza.getChildText("body")!;
        if (body === "slow") await gate;
        order.push(body);
        return true;
      },
      5,
    );
    const alice = t.connect("alice@localhost/phone");
    const bob = t.connect("bob@localhost/desk");
    const first = alice.process(message({ to: "x@localhost" }, "slow"));
    const second = alice.process(message({ to: "x@localhost" }, "after-slow"));
    await bob.process(message({ to: "x@localhost" }, "bob"));
    expect(order).toEqual(["bob"]);
    release();
    await Promise.all([first, second]);
    expect(order).toEqual(["bob", "slow", "after-slow"]);
  });
});
