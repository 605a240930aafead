import { type Element, presence } from "canto";
import { afterEach, describe, expect, it } from "vitest";
import {
  befriend,
  clear,
  fakeAuth,
  imServer,
  itemsOf,
  login,
  presencesOf,
  rosterGet,
  rosterOf,
  settle,
} from "./im.test-helper.js";
import { presencePriority } from "./presence.js";

let stop: (() => Promise<void>) | undefined;
afterEach(async () => {
  await stop?.();
  stop = undefined;
});

async function server() {
  const t = await imServer();
  stop = t.stop;
  return t;
}

const pushesOf = (session: { received: Element[] }) =>
  session.received.filter((s) => s.name === "iq" && s.attrs.type === "set").map(itemsOf);

describe("subscription handshake between two accounts (RFC 6121 §3)", () => {
  it("walks none → none+ask → to/from → both, with a roster push at every step", async () => {
    const t = await server();
    const alice = await login(t, "alice@localhost/phone");
    const bob = await login(t, "bob@localhost/desk");
    clear(alice, bob);

    // 1. Alice asks: her item is none + ask, Bob receives the request from her bare JID.
    await alice.process(presence({ to: "bob@localhost", type: "subscribe" }));
    expect(pushesOf(alice)).toEqual([{ "bob@localhost": "none/subscribe" }]);
    expect(presencesOf(bob)).toEqual(["alice@localhost subscribe"]);
    expect(await rosterOf(bob)).toEqual({});
    clear(alice, bob);

    // 2. Bob approves: Bob has `from`, Alice `to`; Alice gets the approval and Bob's presence.
    await bob.process(presence({ to: "alice@localhost", type: "subscribed" }));
    expect(pushesOf(bob)).toEqual([{ "alice@localhost": "from" }]);
    expect(pushesOf(alice)).toEqual([{ "bob@localhost": "to" }]);
    expect(presencesOf(alice)).toEqual(["bob@localhost subscribed", "bob@localhost/desk available"]);
    clear(alice, bob);

    // 3. Bob asks back and Alice approves: both.
    await bob.process(presence({ to: "alice@localhost", type: "subscribe" }));
    expect(pushesOf(bob)).toEqual([{ "alice@localhost": "from/subscribe" }]);
    await alice.process(presence({ to: "bob@localhost", type: "subscribed" }));
    expect(await rosterOf(alice)).toEqual({ "bob@localhost": "both" });
    expect(await rosterOf(bob)).toEqual({ "alice@localhost": "both" });
    clear(alice, bob);

    // 4. Alice unsubscribes from Bob: she has `from`, he has `to`, and she sees him go unavailable.
    await alice.process(presence({ to: "bob@localhost", type: "unsubscribe" }));
    expect(await rosterOf(alice)).toEqual({ "bob@localhost": "from" });
    expect(await rosterOf(bob)).toEqual({ "alice@localhost": "to" });
    expect(presencesOf(bob)).toContain("alice@localhost unsubscribe");
    expect(presencesOf(alice)).toContain("bob@localhost/desk unavailable");
    clear(alice, bob);

    // 5. Alice cancels Bob's subscription: none on both sides, and Bob sees her go unavailable.
    await alice.process(presence({ to: "bob@localhost", type: "unsubscribed" }));
    expect(await rosterOf(alice)).toEqual({ "bob@localhost": "none" });
    expect(await rosterOf(bob)).toEqual({ "alice@localhost": "none" });
    expect(presencesOf(bob)).toEqual(["alice@localhost unsubscribed", "alice@localhost/phone unavailable"]);
  });

  it("lets the contact deny a request with unsubscribed", async () => {
    const t = await server();
    const alice = await login(t, "alice@localhost/phone");
    const bob = await login(t, "bob@localhost/desk");
    await alice.process(presence({ to: "bob@localhost", type: "subscribe" }));
    clear(alice);
    await bob.process(presence({ to: "alice@localhost", type: "unsubscribed" }));
    expect(await rosterOf(alice)).toEqual({ "bob@localhost": "none" });
    expect(presencesOf(alice)).toEqual(["bob@localhost unsubscribed"]);
    // The request is gone: approving later routes nothing.
    clear(alice);
    await bob.process(presence({ to: "alice@localhost", type: "subscribed" }));
    expect(presencesOf(alice)).toEqual([]);
    expect(await rosterOf(alice)).toEqual({ "bob@localhost": "none" });
  });

  it("answers a repeated request itself once the contact is subscribed", async () => {
    const t = await server();
    const alice = await login(t, "alice@localhost/phone");
    const bob = await login(t, "bob@localhost/desk");
    await alice.process(presence({ to: "bob@localhost", type: "subscribe" }));
    await bob.process(presence({ to: "alice@localhost", type: "subscribed" }));
    clear(alice, bob);
    await alice.process(presence({ to: "bob@localhost", type: "subscribe" }));
    expect(presencesOf(bob)).toEqual([]);
    // Bob's server answers `subscribed` for him; Alice's server, already at `to`, ignores it (A.3.1).
    expect(presencesOf(alice)).toEqual(["bob@localhost/desk available"]);
    expect(await rosterOf(alice)).toEqual({ "bob@localhost": "to" });
  });

  it("stores a request that arrives while the contact is offline and delivers it at the next login", async () => {
    const t = await server();
    const alice = await login(t, "alice@localhost/phone");
    await alice.process(presence({ to: "bob@localhost", type: "subscribe" }));
    const bob = await login(t, "bob@localhost/desk");
    expect(presencesOf(bob)).toContain("alice@localhost subscribe");
    // Approved from the new session, it completes.
    await bob.process(presence({ to: "alice@localhost", type: "subscribed" }));
    expect(await rosterOf(alice)).toEqual({ "bob@localhost": "to" });
  });

  it("refuses subscriptions to oneself and unknown presence types with bad-request", async () => {
    const t = await server();
    const alice = await login(t, "alice@localhost/phone");
    clear(alice);
    await alice.process(presence({ to: "alice@localhost/other", type: "subscribe" }));
    await alice.process(presence({ to: "bob@localhost", type: "dance" }));
    await alice.process(presence({ type: "subscribe" }));
    const errors = alice.received.filter((s) => s.attrs.type === "error");
    expect(errors.map((e) => e.getChild("error")?.getChildElements()[0]?.name)).toEqual([
      "bad-request",
      "bad-request",
      "bad-request",
    ]);
  });

  it("answers unsubscribed to requests and probes for accounts that don't exist", async () => {
    const t = await imServer({ extra: { fake_auth: fakeAuth(["alice"]) } });
    stop = t.stop;
    const alice = await login(t, "alice@localhost/phone");
    clear(alice);
    await alice.process(presence({ to: "ghost@localhost", type: "subscribe" }));
    await alice.process(presence({ to: "ghost@localhost", type: "probe" }));
    // The request is refused: Alice sees the unsubscribed and her ask is gone; the probe's answer
    // changes nothing more, so her server ignores it (RFC 6121 §3.2.3).
    expect(presencesOf(alice)).toEqual(["ghost@localhost unsubscribed"]);
    expect(await rosterOf(alice)).toEqual({ "ghost@localhost": "none" });
    expect(await (await t.server.storage.open("localhost", "roster")).get("ghost")).toBeUndefined();
  });
});

describe("presence broadcast and probes (RFC 6121 §4)", () => {
  it("broadcasts initial presence to subscribers, probes contacts, and reflects it to the sender", async () => {
    const t = await server();
    const alice = await login(t, "alice@localhost/phone");
    const bob = await login(t, "bob@localhost/desk");
    await befriend(alice, bob);
    t.server.sessionManager.destroy(alice);
    await settle();
    clear(bob);

    const again = t.connect("alice@localhost/laptop");
    await again.process(presence().c("show").t("away").root());
    expect(presencesOf(bob)).toEqual(["alice@localhost/laptop available"]);
    expect(bob.received.at(-1)?.getChildText("show")).toBe("away");
    // Reflected, then Bob's presence answering the probe.
    expect(presencesOf(again)).toEqual(["alice@localhost/laptop available", "bob@localhost/desk available"]);
    const answer = again.received.at(-1)!;
    expect(answer.getChild("delay", "urn:xmpp:delay")?.attrs.from).toBe("localhost");
  });

  it("sends presence updates only to contacts with from or both, and to the user's other resources", async () => {
    const t = await server();
    const alice = await login(t, "alice@localhost/phone");
    const laptop = await login(t, "alice@localhost/laptop");
    const bob = await login(t, "bob@localhost/desk"); // alice → bob: to only
    const carol = await login(t, "carol@localhost/pc"); // carol → alice: carol subscribed to alice
    await alice.process(presence({ to: "bob@localhost", type: "subscribe" }));
    await bob.process(presence({ to: "alice@localhost", type: "subscribed" }));
    await carol.process(presence({ to: "alice@localhost", type: "subscribe" }));
    await alice.process(presence({ to: "carol@localhost", type: "subscribed" }));
    clear(alice, laptop, bob, carol);

    await alice.process(presence().c("status").t("busy").root());
    expect(presencesOf(carol)).toEqual(["alice@localhost/phone available"]);
    expect(presencesOf(bob)).toEqual([]);
    expect(presencesOf(laptop)).toEqual(["alice@localhost/phone available"]);
  });

  it("tells a new resource about the user's other available resources", async () => {
    const t = await server();
    await login(t, "alice@localhost/phone");
    const laptop = await login(t, "alice@localhost/laptop");
    expect(presencesOf(laptop)).toContain("alice@localhost/phone available");
  });

  it("answers probes with each available resource's presence, unavailable when none, unsubscribed for strangers", async () => {
    const t = await server();
    const alice = await login(t, "alice@localhost/phone");
    const bob = await login(t, "bob@localhost/desk");
    await befriend(alice, bob);
    const bobLaptop = t.connect("bob@localhost/laptop"); // connected, never available
    clear(alice);
    await alice.process(presence({ to: "bob@localhost", type: "probe" }));
    expect(presencesOf(alice)).toEqual(["bob@localhost/desk available"]);

    await bob.process(presence({ type: "unavailable" }));
    clear(alice);
    await alice.process(presence({ to: "bob@localhost", type: "probe" }));
    expect(presencesOf(alice)).toEqual(["bob@localhost unavailable"]);
    expect(bobLaptop.received).toEqual([]);

    const eve = await login(t, "eve@localhost/x");
    clear(eve);
    await eve.process(presence({ to: "bob@localhost", type: "probe" }));
    // Nothing about Bob reaches Eve: the unsubscribed answer meets no subscription of hers.
    expect(presencesOf(eve)).toEqual([]);
    expect(await rosterOf(eve)).toEqual({});
  });

  it("answers the server's own presence to probes and subscriptions to the host", async () => {
    const t = await server();
    const alice = await login(t, "alice@localhost/phone");
    clear(alice);
    await alice.process(presence({ to: "localhost", type: "probe" }));
    await alice.process(presence({ to: "localhost", type: "subscribe" }));
    expect(presencesOf(alice)).toEqual([
      "localhost available",
      "localhost subscribed",
      "localhost available",
    ]);
    expect(await rosterOf(alice)).toEqual({ localhost: "to" });
  });

  it("takes the session priority from <priority>, clamped, and clears it when unavailable", async () => {
    const t = await server();
    const alice = await login(t, "alice@localhost/phone", 5);
    expect(alice.priority).toBe(5);
    await alice.process(presence().c("priority").t("-300").root());
    expect(alice.priority).toBe(-128);
    await alice.process(presence({ type: "unavailable" }));
    expect(alice.priority).toBeUndefined();
    const p = (text: string) => presencePriority(presence().c("priority").t(text).root());
    expect([p("7"), p("+3"), p("500"), p("x"), p("1.5")]).toEqual([7, 3, 127, 0, 0]);
  });
});

describe("directed presence and going offline (RFC 6121 §4.5, §4.6)", () => {
  it("sends unavailable to directed-presence recipients when the user goes unavailable", async () => {
    const t = await server();
    const alice = await login(t, "alice@localhost/phone");
    const dave = await login(t, "dave@localhost/pc");
    clear(dave);
    await alice.process(presence({ to: "dave@localhost" }));
    expect(presencesOf(dave)).toEqual(["alice@localhost/phone available"]);
    await alice.process(presence({ type: "unavailable" }));
    expect(presencesOf(dave)).toEqual([
      "alice@localhost/phone available",
      "alice@localhost/phone unavailable",
    ]);
  });

  it("broadcasts unavailable on disconnect, with the reason, when the client didn't", async () => {
    const t = await server();
    const alice = await login(t, "alice@localhost/phone");
    const bob = await login(t, "bob@localhost/desk");
    const dave = await login(t, "dave@localhost/pc");
    const laptop = await login(t, "alice@localhost/laptop");
    await befriend(alice, bob);
    await alice.process(presence({ to: "dave@localhost" }));
    clear(alice, bob, dave, laptop);

    t.server.sessionManager.destroy(alice, "connection-timeout");
    await settle();
    for (const session of [bob, dave, laptop]) {
      expect(presencesOf(session)).toEqual(["alice@localhost/phone unavailable"]);
    }
    expect(bob.received[0]?.getChildText("status")).toBe("Disconnected: connection-timeout");
    // Gone: probes now find no resource.
    clear(bob);
    await bob.process(presence({ to: "alice@localhost", type: "probe" }));
    expect(presencesOf(bob)).toEqual(["alice@localhost/laptop available"]);
  });

  it("sends unavailable on disconnect to directed recipients of a session that was never available", async () => {
    const t = await server();
    const alice = t.connect("alice@localhost/bot");
    const dave = await login(t, "dave@localhost/pc");
    await alice.process(presence({ to: "dave@localhost/pc" }));
    clear(dave);
    t.server.sessionManager.destroy(alice);
    await settle();
    expect(presencesOf(dave)).toEqual(["alice@localhost/bot unavailable"]);
  });

  it("delivers presence to a full JID only if that resource is online", async () => {
    const t = await server();
    const alice = await login(t, "alice@localhost/phone");
    const dave = await login(t, "dave@localhost/pc");
    clear(dave);
    await alice.process(presence({ to: "dave@localhost/gone" }));
    await alice.process(presence({ to: "dave@localhost/pc" }));
    expect(presencesOf(dave)).toEqual(["alice@localhost/phone available"]);
    expect(alice.received.filter((s) => s.attrs.type === "error")).toEqual([]);
  });
});

describe("state across reloads", () => {
  it("keeps subscriptions, pending requests and who is available when presence and roster reload", async () => {
    const t = await server();
    const alice = await login(t, "alice@localhost/phone");
    const bob = await login(t, "bob@localhost/desk");
    await alice.process(presence({ to: "bob@localhost", type: "subscribe" }));
    await bob.process(presence({ to: "alice@localhost", type: "subscribed" }));
    await alice.process(presence({ to: "carol@localhost", type: "subscribe" }));

    await t.server.manager.reload("localhost", "presence");
    await t.server.manager.reload("localhost", "roster");

    clear(alice);
    await alice.process(presence({ to: "bob@localhost", type: "probe" }));
    expect(presencesOf(alice)).toEqual(["bob@localhost/desk available"]);
    expect(await rosterOf(alice)).toEqual({ "bob@localhost": "to", "carol@localhost": "none/subscribe" });
    const carol = await login(t, "carol@localhost/pc");
    expect(presencesOf(carol)).toContain("alice@localhost subscribe");
    expect(pushesOf(carol)).toEqual([]);
    expect((await rosterGet(carol)).attrs.type).toBe("result");
  });
});
