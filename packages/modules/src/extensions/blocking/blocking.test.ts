import { type Element, iq, message, presence, type TestServer } from "canto";
import { afterEach, describe, expect, it } from "vitest";
import { ask, outcome, request, serverWith, stopServers } from "../extensions.test-helper.js";
import { isBlocked } from "./blocklists.js";

afterEach(stopServers);

const NS = "urn:xmpp:blocking";

function block(jids: string[], name: "block" | "unblock" = "block"): Element {
  const { stanza, payload } = request("set", undefined, name, NS);
  for (const jid of jids) payload.c("item", { jid });
  return stanza;
}

function listed(answer: Element): string[] {
  return answer
    .getChild("blocklist", NS)!
    .getChildren("item")
    .map((i) => String(i.attrs.jid));
}

async function seedRoster(t: TestServer, user: string, roster: unknown) {
  const store = await t.server.storage.open("localhost", "roster", "keyval");
  await store.set(user, roster as never);
}

describe("blocking: the blocklist", () => {
  it("starts empty, lists what was blocked (prepared) and keeps it in the blocklist store", async () => {
    const t = await serverWith(["blocking"]);
    const alice = t.connect("alice@localhost/phone");
    const empty = await ask(alice, request("get", undefined, "blocklist", NS).stanza);
    expect(outcome(empty)).toBe("result");
    expect(listed(empty)).toEqual([]);

    expect(outcome(await ask(alice, block(["Bob@LocalHost", "spam.example"])))).toBe("result");
    const answer = await ask(alice, request("get", "alice@localhost", "blocklist", NS).stanza);
    expect(listed(answer)).toEqual(["bob@localhost", "spam.example"]);
    const stored = await (await t.server.storage.open("localhost", "blocklist", "keyval")).get("alice");
    expect(stored).toEqual(["bob@localhost", "spam.example"]);
  });

  it("unblocks some, then everyone with an empty <unblock/>", async () => {
    const t = await serverWith(["blocking"]);
    const alice = t.connect("alice@localhost/phone");
    await ask(alice, block(["a@localhost", "b@localhost", "c@localhost"]));
    expect(outcome(await ask(alice, block(["b@localhost"], "unblock")))).toBe("result");
    expect(listed(await ask(alice, request("get", undefined, "blocklist", NS).stanza))).toEqual([
      "a@localhost",
      "c@localhost",
    ]);
    expect(outcome(await ask(alice, block([], "unblock")))).toBe("result");
    expect(listed(await ask(alice, request("get", undefined, "blocklist", NS).stanza))).toEqual([]);
  });

  it("refuses an empty block with bad-request, a bad JID with jid-malformed, and others' lists", async () => {
    const t = await serverWith(["blocking"]);
    const alice = t.connect("alice@localhost/phone");
    expect(outcome(await ask(alice, block([])))).toBe("modify/bad-request");
    expect(outcome(await ask(alice, block(["a@b@c"])))).toBe("modify/jid-malformed");
    const noJid = request("set", undefined, "block", NS);
    noJid.payload.c("item");
    expect(outcome(await ask(alice, noJid.stanza))).toBe("modify/bad-request");
    expect(outcome(await ask(alice, request("get", "bob@localhost", "blocklist", NS).stanza))).toBe(
      "cancel/service-unavailable",
    );
  });

  it("pushes changes to the account's sessions that asked for the list, and only to those", async () => {
    const t = await serverWith(["blocking"]);
    const phone = t.connect("alice@localhost/phone");
    const laptop = t.connect("alice@localhost/laptop");
    const tablet = t.connect("alice@localhost/tablet");
    await ask(phone, request("get", undefined, "blocklist", NS).stanza);
    await ask(tablet, request("get", undefined, "blocklist", NS).stanza);
    const before = {
      phone: phone.received.length,
      laptop: laptop.received.length,
      tablet: tablet.received.length,
    };

    await ask(phone, block(["bob@localhost"]));
    const pushOf = (received: Element[]) => received.find((s) => s.attrs.type === "set");
    const push = pushOf(tablet.received.slice(before.tablet))!;
    expect(push.attrs.to).toBe("alice@localhost/tablet");
    expect(push.getChild("block", NS)!.getChild("item")!.attrs.jid).toBe("bob@localhost");
    expect(pushOf(phone.received.slice(before.phone))).toBeDefined();
    expect(laptop.received.length).toBe(before.laptop);

    await ask(phone, block([], "unblock"));
    const unblockPush = tablet.received.filter((s) => s.attrs.type === "set").at(-1)!;
    expect(unblockPush.getChild("unblock", NS)!.children).toHaveLength(0);
  });

  it("is advertised in disco#info", async () => {
    const t = await serverWith(["disco", "blocking"]);
    const answer = await ask(
      t.connect("a@localhost/r"),
      request("get", "localhost", "query", "http://jabber.org/protocol/disco#info").stanza,
    );
    expect(answer.toString()).toContain(`var="${NS}"`);
  });
});

describe("blocking: between two sessions", () => {
  it("stops what a blocked contact sends, the way XEP-0191 says, until unblocked", async () => {
    const t = await serverWith(["blocking"]);
    const alice = t.connect("alice@localhost/phone");
    const bob = t.connect("bob@localhost/desk");
    await ask(alice, block(["bob@localhost"]));
    alice.received.length = 0;

    await bob.process(message({ to: "alice@localhost", type: "chat", id: "m1" }, "hello?"));
    await bob.process(message({ to: "alice@localhost/phone", type: "chat", id: "m2" }, "hello?"));
    await bob.process(presence({ to: "alice@localhost", type: "subscribe" }));
    await bob.process(presence({ to: "alice@localhost/phone" }));
    await bob.process(
      iq({ to: "alice@localhost/phone", type: "get", id: "i1" }).c("ping", { xmlns: "urn:xmpp:ping" }).root(),
    );
    await bob.process(iq({ to: "alice@localhost/phone", type: "result", id: "i2" }));
    expect(alice.received).toEqual([]);
    expect(bob.received.map((s) => `${s.name}:${s.attrs.id}:${outcome(s)}`)).toEqual([
      "message:m1:cancel/service-unavailable",
      "message:m2:cancel/service-unavailable",
      "iq:i1:cancel/service-unavailable",
    ]);

    await ask(alice, block(["bob@localhost"], "unblock"));
    alice.received.length = 0;
    await bob.process(message({ to: "alice@localhost", type: "chat" }, "better now?"));
    expect(alice.received.map((s) => s.getChildText("body"))).toEqual(["better now?"]);
  });

  it("refuses what the user sends to a blocked JID with not-acceptable and <blocked/>", async () => {
    const t = await serverWith(["blocking"]);
    const alice = t.connect("alice@localhost/phone");
    const bob = t.connect("bob@localhost/desk");
    await ask(alice, block(["bob@localhost"]));
    await alice.process(message({ to: "bob@localhost/desk", type: "chat", id: "out1" }, "psst"));
    await alice.process(
      iq({ to: "bob@localhost/desk", type: "get", id: "out2" }).c("ping", { xmlns: "urn:xmpp:ping" }).root(),
    );
    await alice.process(iq({ to: "bob@localhost/desk", type: "result", id: "out3" }));
    expect(bob.received).toEqual([]);
    const refusals = alice.received.filter((s) => s.attrs.type === "error");
    expect(refusals.map((s) => `${s.attrs.id}:${outcome(s)}`)).toEqual([
      "out1:cancel/not-acceptable",
      "out2:cancel/not-acceptable",
    ]);
    expect(refusals[0]!.getChild("error")!.getChild("blocked", "urn:xmpp:blocking:errors")).toBeDefined();
  });

  it("blocks whole domains and single resources by XEP-0016's matching", async () => {
    const t = await serverWith(["blocking"], { hosts: { localhost: {}, "spam.example": {} } });
    const alice = t.connect("alice@localhost/phone");
    const spammer = t.connect("x@spam.example/bot");
    const bobDesk = t.connect("bob@localhost/desk");
    const bobPhone = t.connect("bob@localhost/phone");
    await ask(alice, block(["spam.example", "bob@localhost/desk"]));
    alice.received.length = 0;
    await spammer.process(message({ to: "alice@localhost", type: "chat" }, "buy"));
    await bobDesk.process(message({ to: "alice@localhost", type: "chat" }, "from desk"));
    await bobPhone.process(message({ to: "alice@localhost", type: "chat" }, "from phone"));
    expect(alice.received.map((s) => s.getChildText("body"))).toEqual(["from phone"]);
  });

  it("sends unavailable presence from available resources to blocked contacts that see the user's presence", async () => {
    const t = await serverWith(["blocking"]);
    await seedRoster(t, "alice", {
      "bob@localhost": { subscription: "both" },
      "carol@localhost": { subscription: "to" },
    });
    const alice = t.connect("alice@localhost/phone");
    t.connect("alice@localhost/idle"); // bound, never available: nothing to take back
    const bob = t.connect("bob@localhost/desk");
    const carol = t.connect("carol@localhost/desk");
    await alice.process(presence().c("show").t("chat").root());
    await ask(alice, block(["bob@localhost", "carol@localhost"]));
    expect(bob.received.map((s) => `${s.name}:${s.attrs.type}:${s.attrs.from}`)).toEqual([
      "presence:unavailable:alice@localhost/phone",
    ]);
    expect(carol.received).toEqual([]);
  });

  it("sends the current presence again to a contact that is unblocked, unless still blocked", async () => {
    const t = await serverWith(["blocking"]);
    await seedRoster(t, "alice", {
      "bob@localhost": { subscription: "from" },
      "dave@spam.example": { subscription: "both" },
    });
    const alice = t.connect("alice@localhost/phone");
    const bob = t.connect("bob@localhost/desk");
    await ask(alice, block(["bob@localhost", "spam.example", "dave@spam.example"]));
    await alice.process(presence().c("status").t("Reading").root());
    bob.received.length = 0;
    await ask(alice, block(["bob@localhost", "dave@spam.example"], "unblock"));
    expect(
      bob.received.map((s) => `${s.attrs.type ?? "available"}:${s.attrs.from}:${s.getChildText("status")}`),
    ).toEqual(["available:alice@localhost/phone:Reading"]);
    // dave is still covered by the spam.example block: nothing was sent his way.
    expect(alice.received.filter((s) => s.name === "presence" && s.attrs.type === "error")).toEqual([]);
  });

  it("says nothing on block or unblock while the user has sent no presence", async () => {
    const t = await serverWith(["blocking"]);
    await seedRoster(t, "alice", { "bob@localhost": { subscription: "both" } });
    const alice = t.connect("alice@localhost/phone");
    const bob = t.connect("bob@localhost/desk");
    await ask(alice, block(["bob@localhost"]));
    await ask(alice, block([], "unblock"));
    expect(bob.received).toEqual([]);
  });

  it("drops presence a module sends on the user's behalf to a contact the user blocked", async () => {
    const t = await serverWith(["blocking"]);
    const alice = t.connect("alice@localhost/phone");
    const bob = t.connect("bob@localhost/desk");
    await ask(alice, block(["bob@localhost"]));
    await t.server.post(alice, presence({ from: "alice@localhost/phone", to: "bob@localhost" }));
    expect(bob.received).toEqual([]);
    await t.server.post(
      alice,
      presence({ from: "alice@localhost/phone", to: "bob@localhost", type: "unavailable" }),
    );
    expect(bob.received.map((s) => s.attrs.type)).toEqual(["unavailable"]);
  });

  it("reads the list of an offline user from the store", async () => {
    const t = await serverWith(["blocking"]);
    await (await t.server.storage.open("localhost", "blocklist", "keyval")).set("dave", ["bob@localhost"]);
    const bob = t.connect("bob@localhost/desk");
    await bob.process(message({ to: "dave@localhost", type: "chat", id: "off1" }, "you there?"));
    expect(bob.received.map((s) => outcome(s))).toEqual(["cancel/service-unavailable"]);
  });
});

describe("blocking: JID matching", () => {
  it("matches full, bare, domain/resource and domain entries", () => {
    const list = new Set(["a@x", "y", "z/r", "b@w/r"]);
    expect(isBlocked(list, "a@x/any")).toBe(true);
    expect(isBlocked(list, "anyone@y/r")).toBe(true);
    expect(isBlocked(list, "z/r")).toBe(true);
    expect(isBlocked(list, "c@z/r")).toBe(true);
    expect(isBlocked(list, "b@w/r")).toBe(true);
    expect(isBlocked(list, "b@w/other")).toBe(false);
    expect(isBlocked(list, "b@w")).toBe(false);
    expect(isBlocked(list, "a@xx")).toBe(false);
  });
});
