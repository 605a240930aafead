import { Element, getError, iq, presence } from "canto";
import { afterEach, describe, expect, it } from "vitest";
import {
  befriend,
  clear,
  imServer,
  itemsOf,
  login,
  presencesOf,
  rosterGet,
  rosterOf,
  rosterSet,
} from "./im.test-helper.js";

let stop: (() => Promise<void>) | undefined;
afterEach(async () => {
  await stop?.();
  stop = undefined;
});

async function server(modules?: string[]) {
  const t = await imServer({ modules });
  stop = t.stop;
  return t;
}

const conditionOf = (stanza: Element) => getError(stanza)?.condition;

describe("roster get and set (RFC 6121 §2)", () => {
  it("starts empty, adds an item with name and groups, and returns it", async () => {
    const t = await server();
    const alice = t.connect("alice@localhost/phone");
    expect(await rosterOf(alice)).toEqual({});

    const answer = await rosterSet(alice, { jid: "Bob@LocalHost", name: "Bob" }, ["Friends", "Work"]);
    expect(answer.attrs.type).toBe("result");
    const result = await rosterGet(alice);
    const item = result.getChild("query", "jabber:iq:roster")!.getChild("item")!;
    expect(item.attrs).toMatchObject({ jid: "bob@localhost", name: "Bob", subscription: "none" });
    expect(item.getChildren("group").map((g) => g.getText())).toEqual(["Friends", "Work"]);
  });

  it("pushes each change to every session that asked for the roster, and only to those", async () => {
    const t = await server();
    const phone = t.connect("alice@localhost/phone");
    const laptop = t.connect("alice@localhost/laptop");
    const silent = t.connect("alice@localhost/silent");
    await rosterGet(phone);
    await rosterGet(laptop);
    clear(phone, laptop, silent);

    await rosterSet(phone, { jid: "bob@localhost", name: "Bobby" });
    for (const session of [phone, laptop]) {
      const push = session.received.find((s) => s.attrs.type === "set");
      expect(push?.attrs.to).toBe(session.fullJid);
      expect(itemsOf(push!)).toEqual({ "bob@localhost": "none" });
    }
    expect(silent.received).toEqual([]);
  });

  it("updates an item without touching its subscription, and ignores subscription values other than remove", async () => {
    const t = await server();
    const alice = t.connect("alice@localhost/phone");
    const bob = t.connect("bob@localhost/desk");
    await rosterGet(bob);
    await alice.process(presence({ to: "bob@localhost", type: "subscribe" }));
    await bob.process(presence({ to: "alice@localhost", type: "subscribed" }));
    expect(await rosterOf(alice)).toEqual({ "bob@localhost": "to" });

    const answer = await rosterSet(alice, { jid: "bob@localhost", name: "B", subscription: "both" }, ["G"]);
    expect(answer.attrs.type).toBe("result");
    const item = (await rosterGet(alice)).getChild("query")!.getChild("item")!;
    expect(item.attrs).toMatchObject({ subscription: "to", name: "B" });
  });

  it("removes an item, pushes the removal, and cancels the subscription both ways", async () => {
    const t = await server();
    const alice = await login(t, "alice@localhost/phone");
    const bob = await login(t, "bob@localhost/desk");
    await befriend(alice, bob);
    expect(await rosterOf(bob)).toEqual({ "alice@localhost": "both" });
    clear(alice, bob);

    const answer = await rosterSet(alice, { jid: "bob@localhost", subscription: "remove" });
    expect(answer.attrs.type).toBe("result");
    const push = alice.received.find((s) => s.attrs.type === "set");
    expect(itemsOf(push!)).toEqual({ "bob@localhost": "remove" });
    expect(await rosterOf(alice)).toEqual({});
    // Bob's side saw the unsubscribed and the unsubscribe, and Alice's presence go.
    expect(await rosterOf(bob)).toEqual({ "alice@localhost": "none" });
    expect(presencesOf(bob)).toEqual([
      "alice@localhost unsubscribed",
      "alice@localhost/phone unavailable",
      "alice@localhost unsubscribe",
    ]);
  });

  it("answers item-not-found when removing an item that isn't there", async () => {
    const t = await server();
    const alice = t.connect("alice@localhost/phone");
    const answer = await rosterSet(alice, { jid: "nobody@localhost", subscription: "remove" });
    expect(conditionOf(answer)).toBe("item-not-found");
  });

  it.each([
    ["two items", ["a@localhost", "b@localhost"], {}, "bad-request"],
    ["no jid", [undefined], {}, "bad-request"],
    ["a malformed jid", ["a@b@c"], {}, "jid-malformed"],
    ["the user's own jid", ["alice@localhost"], {}, "not-allowed"],
    ["an empty group", ["bob@localhost"], { groups: [""] }, "not-acceptable"],
    ["a duplicated group", ["bob@localhost"], { groups: ["x", "x"] }, "bad-request"],
    ["a name over 1023 characters", ["bob@localhost"], { name: "n".repeat(1024) }, "not-acceptable"],
  ] as const)("refuses a roster set with %s", async (_what, jids, extra, condition) => {
    const t = await server();
    const alice = t.connect("alice@localhost/phone");
    const query = iq({ type: "set", id: "bad" }).c("query", { xmlns: "jabber:iq:roster" });
    for (const jid of jids) {
      const attrs: Record<string, string> = {};
      if (jid !== undefined) attrs.jid = jid;
      if ("name" in extra) attrs.name = extra.name;
      const item = query.c("item", attrs);
      for (const group of "groups" in extra ? extra.groups : []) item.c("group").t(group).up();
      item.up();
    }
    await alice.process(query.root());
    const answer = alice.received.find((s) => s.attrs.id === "bad")!;
    expect(answer.attrs.type).toBe("error");
    expect(conditionOf(answer)).toBe(condition);
    expect(await rosterOf(alice)).toEqual({});
  });

  it("refuses a query that isn't a single item element", async () => {
    const t = await server();
    const alice = t.connect("alice@localhost/phone");
    await alice.process(
      iq({ type: "set", id: "odd" }).c("query", { xmlns: "jabber:iq:roster" }).c("group").t("x").root(),
    );
    expect(conditionOf(alice.received.find((s) => s.attrs.id === "odd")!)).toBe("bad-request");
  });

  it("leaves other users' rosters alone: a roster IQ to another JID gets service-unavailable", async () => {
    const t = await server();
    const alice = t.connect("alice@localhost/phone");
    await alice.process(
      iq({ type: "get", id: "peek", to: "bob@localhost" }).c("query", { xmlns: "jabber:iq:roster" }).root(),
    );
    expect(conditionOf(alice.received.find((s) => s.attrs.id === "peek")!)).toBe("service-unavailable");
  });
});

describe("roster versioning (RFC 6121 §2.6)", () => {
  it("returns the version, an empty result when the client is up to date, and versions on pushes", async () => {
    const t = await server();
    const alice = t.connect("alice@localhost/phone");
    const first = await rosterGet(alice, "");
    const ver = first.getChild("query")!.attrs.ver as string;
    expect(ver).toBeDefined();

    const same = await rosterGet(alice, ver);
    expect(same.attrs.type).toBe("result");
    expect(same.children).toEqual([]);

    clear(alice);
    await rosterSet(alice, { jid: "bob@localhost" });
    const push = alice.received.find((s) => s.attrs.type === "set")!;
    const pushVer = push.getChild("query")!.attrs.ver as string;
    expect(pushVer).not.toBe(ver);

    const stale = await rosterGet(alice, ver);
    expect(stale.getChild("query")!.attrs.ver).toBe(pushVer);
    expect(itemsOf(stale)).toEqual({ "bob@localhost": "none" });
    // No `ver` asked, none given.
    expect((await rosterGet(alice)).getChild("query")!.attrs.ver).toBeUndefined();
  });

  it("advertises roster versioning in the stream features of authenticated sessions", async () => {
    const t = await server();
    const features = new Element("stream:features");
    const origin = { username: "alice", host: "localhost" };
    t.server.host("localhost")!.events.fire("stream-features", { origin, features });
    expect(features.getChild("ver", "urn:xmpp:features:rosterver")).toBeDefined();
  });
});

describe("storage", () => {
  it("deletes a deleted account's roster and ends its subscriptions with its contacts", async () => {
    const t = await server();
    const alice = await login(t, "alice@localhost/phone");
    const bob = await login(t, "bob@localhost/desk");
    await befriend(alice, bob);
    t.server.sessionManager.destroy(alice);
    await t.server.host("localhost")!.events.fire("user-deleted", { username: "alice", host: "localhost" });
    expect(await rosterOf(bob)).toEqual({ "alice@localhost": "none" });
    expect(await (await t.server.storage.open("localhost", "roster")).get("alice")).toBeUndefined();
  });

  it("keeps rosters in the keyval store `roster` in Prosody's shape and survives a reload", async () => {
    const t = await server();
    const alice = t.connect("alice@localhost/phone");
    await rosterSet(alice, { jid: "bob@localhost", name: "Bob" }, ["Friends"]);
    const stored = (await (
      await t.server.storage.open("localhost", "roster", "keyval")
    ).get("alice")) as Record<string, unknown>;
    expect(stored["bob@localhost"]).toEqual({ subscription: "none", name: "Bob", groups: { Friends: true } });
    expect(stored[""]).toMatchObject({ version: 1 });

    await t.server.manager.reload("localhost", "roster");
    expect(await rosterOf(alice)).toEqual({ "bob@localhost": "none" });
  });
});
