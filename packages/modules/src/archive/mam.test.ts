import { Element, iq, message, type TestServer } from "canto";
import { afterEach, describe, expect, it } from "vitest";
import { archiveServer, ask, chat, form, mamQuery, online, rsm } from "./archive.test-helper.js";
import { NS_MAM, NS_STANZA_ID } from "./util.js";

let running: TestServer | undefined;
afterEach(async () => {
  await running?.stop();
  running = undefined;
});

async function server(options: Record<string, unknown> = {}, modules?: string[]) {
  running = await archiveServer(options, modules);
  return running;
}

const DAY = 86_400;

describe("mam: archiving", () => {
  it("archives chat messages in both directions and marks incoming ones with a stanza-id", async () => {
    const t = await server();
    const alice = await online(t, "alice@localhost/phone");
    const bob = await online(t, "bob@localhost/laptop");
    await chat(alice, "bob@localhost", "hello bob");
    await chat(bob, "alice@localhost/phone", "hi alice");

    const delivered = bob.received.find((s) => s.getChildText("body") === "hello bob")!;
    const stanzaId = delivered.getChild("stanza-id", NS_STANZA_ID);
    expect(stanzaId?.attrs.by).toBe("bob@localhost");

    const bobs = await mamQuery(bob);
    expect(bobs.bodies).toEqual(["hello bob", "hi alice"]);
    expect(bobs.ids[0]).toBe(stanzaId?.attrs.id);
    expect(bobs.complete).toBe(true);

    const alices = await mamQuery(alice);
    expect(alices.bodies).toEqual(["hello bob", "hi alice"]);
    const result = alices.results[0]!.getChild("result", NS_MAM)!;
    expect(result.attrs.queryid).toBe("qid");
    expect(alices.fin?.attrs.queryid).toBe("qid");
    const forwarded = result.getChild("forwarded", "urn:xmpp:forward:0")!;
    expect(forwarded.getChild("delay", "urn:xmpp:delay")?.attrs.stamp).toBe("2023-11-14T22:13:20Z");
    expect(forwarded.getChild("message")?.attrs).toMatchObject({
      from: "alice@localhost/phone",
      to: "bob@localhost",
      xmlns: "jabber:client",
    });
    expect(alices.results[0]!.attrs.to).toBe("alice@localhost/phone");
  });

  it("archives a note to oneself once, as received", async () => {
    const t = await server();
    const phone = await online(t, "alice@localhost/phone");
    await chat(phone, "alice@localhost", "remember the milk");
    const delivered = phone.received.find((s) => s.name === "message")!;
    const page = await mamQuery(phone);
    expect(page.bodies).toEqual(["remember the milk"]);
    expect(delivered.getChild("stanza-id", NS_STANZA_ID)?.attrs.id).toBe(page.ids[0]);
  });

  it("archives messages for users who are offline", async () => {
    const t = await server();
    const alice = await online(t, "alice@localhost/phone");
    await chat(alice, "carol@localhost", "are you there?");
    const carol = t.connect("carol@localhost/desk");
    expect((await mamQuery(carol)).bodies).toEqual(["are you there?"]);
  });

  it("replaces a forged stanza-id claiming to be the recipient's", async () => {
    const t = await server();
    const alice = await online(t, "alice@localhost/phone");
    const bob = await online(t, "bob@localhost/laptop");
    const forged = message({ to: "bob@localhost", type: "chat" }, "trust me");
    forged.c("stanza-id", { xmlns: NS_STANZA_ID, by: "bob@localhost", id: "forged" });
    await alice.process(forged);
    const ids = bob.received[0]!.getChildren("stanza-id", NS_STANZA_ID).map((s) => s.attrs.id);
    expect(ids).toHaveLength(1);
    expect(ids[0]).not.toBe("forged");
  });

  it("leaves out headlines, groupchat, messages without a body and those marked no-store", async () => {
    const t = await server();
    const alice = await online(t, "alice@localhost/phone");
    await online(t, "bob@localhost/laptop");
    await alice.process(message({ to: "bob@localhost", type: "headline" }, "news"));
    await alice.process(message({ to: "bob@localhost/laptop", type: "groupchat" }, "room"));
    await alice.process(
      message({ to: "bob@localhost", type: "chat" })
        .c("active", {
          xmlns: "http://jabber.org/protocol/chatstates",
        })
        .root(),
    );
    await alice.process(
      message({ to: "bob@localhost", type: "chat" }, "secret")
        .c("no-store", {
          xmlns: "urn:xmpp:hints",
        })
        .root(),
    );
    await alice.process(message({ to: "bob@localhost" }, "normal one"));
    expect((await mamQuery(alice)).bodies).toEqual(["normal one"]);
  });
  it("stores messages without their chat states (dont_archive_namespaces)", async () => {
    const t = await server();
    const alice = await online(t, "alice@localhost/phone");
    await online(t, "bob@localhost/laptop");
    const withState = message({ to: "bob@localhost", type: "chat" }, "typed");
    withState.c("active", { xmlns: "http://jabber.org/protocol/chatstates" });
    await alice.process(withState);
    const page = await mamQuery(alice);
    expect(page.bodies).toEqual(["typed"]);
    const stored = page.results[0]!.getChild("result", NS_MAM)!.getChild("forwarded")!.getChild("message")!;
    expect(stored.getChild("active")).toBeUndefined();
  });

  it("removes the archive ids of the sender's own archive from what it sends", async () => {
    const t = await server();
    const alice = await online(t, "alice@localhost/phone");
    const bob = await online(t, "bob@localhost/laptop");
    const leaky = message({ to: "bob@localhost", type: "chat" }, "quoted");
    leaky.c("stanza-id", { xmlns: NS_STANZA_ID, by: "alice@localhost", id: "private" });
    await alice.process(leaky);
    const ids = bob.received[0]!.getChildren("stanza-id", NS_STANZA_ID).map((s) => s.attrs.by);
    expect(ids).toEqual(["bob@localhost"]);
  });

  it("deletes a user's archive and prefs when the account is deleted", async () => {
    const t = await server();
    const alice = await online(t, "alice@localhost/phone");
    await chat(alice, "bob@localhost", "soon gone");
    await t.server.host("localhost")!.events.fire("user-deleted", { username: "alice" });
    expect((await mamQuery(alice)).bodies).toEqual([]);
    expect((await mamQuery(t.connect("bob@localhost/x"))).bodies).toEqual(["soon gone"]);
  });
});

describe("mam: preferences", () => {
  const prefs = (attrs: Record<string, string>, always: string[] = [], never: string[] = []) => {
    const el = new Element("prefs", { xmlns: NS_MAM, ...attrs });
    const a = el.c("always");
    for (const jid of always) a.c("jid").t(jid);
    const n = el.c("never");
    for (const jid of never) n.c("jid").t(jid);
    return el;
  };

  it("reports the server default, and stores what the user sets", async () => {
    const t = await server();
    const alice = await online(t, "alice@localhost/phone");
    const initial = await ask(alice, "get", new Element("prefs", { xmlns: NS_MAM }));
    expect(initial.getChild("prefs", NS_MAM)?.attrs.default).toBe("always");
    const set = await ask(alice, "set", prefs({ default: "never" }, ["bob@localhost/x"], ["eve@localhost"]));
    expect(set.attrs.type).toBe("result");
    const got = (await ask(alice, "get", new Element("prefs", { xmlns: NS_MAM }))).getChild("prefs", NS_MAM)!;
    expect(got.attrs.default).toBe("never");
    expect(
      got
        .getChild("always")
        ?.getChildren("jid")
        .map((j) => j.getText()),
    ).toEqual(["bob@localhost"]);
    expect(
      got
        .getChild("never")
        ?.getChildren("jid")
        .map((j) => j.getText()),
    ).toEqual(["eve@localhost"]);
  });

  it("archives by the prefs: never by default, always for listed JIDs, never for the never list", async () => {
    const t = await server();
    const alice = await online(t, "alice@localhost/phone");
    await ask(alice, "set", prefs({ default: "never" }, ["bob@localhost"]));
    await chat(alice, "bob@localhost", "to bob");
    await chat(alice, "carol@localhost", "to carol");
    expect((await mamQuery(alice)).bodies).toEqual(["to bob"]);

    await ask(alice, "set", prefs({ default: "always" }, [], ["carol@localhost"]));
    await chat(alice, "carol@localhost", "to carol again");
    await chat(alice, "dave@localhost", "to dave");
    expect((await mamQuery(alice)).bodies).toEqual(["to bob", "to dave"]);
  });

  it("with default roster, archives only messages with contacts in the roster", async () => {
    const t = await server();
    const alice = await online(t, "alice@localhost/phone");
    const item = new Element("query", { xmlns: "jabber:iq:roster" });
    item.c("item", { jid: "bob@localhost" });
    expect((await ask(alice, "set", item)).attrs.type).toBe("result");
    await ask(alice, "set", prefs({ default: "roster" }));
    await chat(alice, "bob@localhost", "friend");
    await chat(alice, "mallory@localhost", "stranger");
    expect((await mamQuery(alice)).bodies).toEqual(["friend"]);
  });

  it("refuses prefs with an unknown default", async () => {
    const t = await server();
    const alice = await online(t, "alice@localhost/phone");
    const answer = await ask(alice, "set", prefs({ default: "sometimes" }));
    expect(answer.getChild("error")?.getChild("bad-request")).toBeDefined();
    expect(answer.getChild("error")?.getChildText("text")).toContain("sometimes");
  });

  it("follows default_archive_policy = false for users without prefs", async () => {
    const t = await server({ default_archive_policy: false });
    const alice = await online(t, "alice@localhost/phone");
    await chat(alice, "bob@localhost", "not kept");
    expect((await mamQuery(alice)).bodies).toEqual([]);
    await ask(alice, "set", prefs({ default: "always" }));
    await chat(alice, "bob@localhost", "kept");
    expect((await mamQuery(alice)).bodies).toEqual(["kept"]);
  });
});

/** alice sends m1..m5 to bob (one minute apart), and a message to carol in between. */
async function history(t: TestServer) {
  const alice = await online(t, "alice@localhost/phone");
  for (let i = 1; i <= 5; i++) {
    await chat(alice, "bob@localhost", `m${i}`);
    if (i === 2) await chat(alice, "carol@localhost", "c1");
    await t.clock.advance(60);
  }
  return alice;
}

describe("mam: queries", () => {
  it("filters by with, widening a full JID to its account", async () => {
    const t = await server();
    const alice = await history(t);
    const page = await mamQuery(alice, (q) => form(q, { with: "carol@localhost/home" }));
    expect(page.bodies).toEqual(["c1"]);
    expect(page.count).toBe("1");
  });

  it("filters by time range, start and end inclusive", async () => {
    const t = await server();
    const alice = await history(t);
    const start = new Date((1_700_000_000 + 60) * 1000).toISOString();
    const end = new Date((1_700_000_000 + 180) * 1000).toISOString();
    const page = await mamQuery(alice, (q) => form(q, { start, end }));
    expect(page.bodies).toEqual(["m2", "c1", "m3", "m4"]);
    const bad = await mamQuery(alice, (q) => form(q, { start: "yesterday" }));
    expect(bad.error).toBe("bad-request");
    const inverted = await mamQuery(alice, (q) => form(q, { start: end, end: start }));
    expect(inverted.error).toBe("bad-request");
  });

  it("looks messages up by ids, and between before-id and after-id", async () => {
    const t = await server();
    const alice = await history(t);
    const all = await mamQuery(alice);
    const page = await mamQuery(alice, (q) => form(q, { ids: [all.ids[4]!, all.ids[0]!] }));
    expect(page.bodies).toEqual(["m1", "m4"]);
    const between = await mamQuery(alice, (q) =>
      form(q, { "after-id": all.ids[0]!, "before-id": all.ids[3]! }),
    );
    expect(between.bodies).toEqual(["m2", "c1"]);
  });

  it("refuses unknown form fields", async () => {
    const t = await server();
    const alice = await history(t);
    const page = await mamQuery(alice, (q) => form(q, { colour: "blue" }));
    expect(page.error).toBe("bad-request");
  });

  it("pages forwards with RSM after", async () => {
    const t = await server();
    const alice = await history(t);
    const q = (after?: string) => (query: Element) => {
      form(query, { with: "bob@localhost" });
      rsm(query, after === undefined ? { max: 2 } : { max: 2, after });
    };
    const one = await mamQuery(alice, q());
    expect([one.bodies, one.complete, one.firstIndex, one.count]).toEqual([["m1", "m2"], false, "0", "5"]);
    expect([one.first, one.last]).toEqual(one.ids);
    const two = await mamQuery(alice, q(one.last));
    expect([two.bodies, two.complete]).toEqual([["m3", "m4"], false]);
    const three = await mamQuery(alice, q(two.last));
    expect([three.bodies, three.complete]).toEqual([["m5"], true]);
  });

  it("pages backwards with RSM before, starting from the last page", async () => {
    const t = await server();
    const alice = await history(t);
    const q = (before: string) => (query: Element) => {
      form(query, { with: "bob@localhost" });
      rsm(query, { max: 2, before });
    };
    const last = await mamQuery(alice, q(""));
    expect([last.bodies, last.complete, last.firstIndex]).toEqual([["m4", "m5"], false, "3"]);
    expect([last.first, last.last]).toEqual(last.ids);
    const middle = await mamQuery(alice, q(last.first!));
    expect([middle.bodies, middle.complete]).toEqual([["m2", "m3"], false]);
    const first = await mamQuery(alice, q(middle.first!));
    expect([first.bodies, first.complete]).toEqual([["m1"], true]);
  });

  it("sends the page in the opposite order with flip-page, keeping first and last", async () => {
    const t = await server();
    const alice = await history(t);
    const backwards = await mamQuery(alice, (q) => {
      rsm(q, { max: 2, before: "" });
      q.c("flip-page");
    });
    expect(backwards.bodies).toEqual(["m5", "m4"]);
    expect([backwards.first, backwards.last]).toEqual([backwards.ids[1], backwards.ids[0]]);
    const forwards = await mamQuery(alice, (q) => {
      rsm(q, { max: 2 });
      q.c("flip-page");
    });
    expect(forwards.bodies).toEqual(["m2", "m1"]);
  });

  it("answers item-not-found for an unknown RSM anchor", async () => {
    const t = await server();
    const alice = await history(t);
    expect((await mamQuery(alice, (q) => rsm(q, { after: "nope" }))).error).toBe("item-not-found");
    expect((await mamQuery(alice, (q) => rsm(q, { before: "nope" }))).error).toBe("item-not-found");
  });

  it("refuses RSM <index/> paging with feature-not-implemented", async () => {
    const t = await server();
    const alice = await history(t);
    const page = await mamQuery(alice, (q) =>
      q.c("set", { xmlns: "http://jabber.org/protocol/rsm" }).c("index").t("2"),
    );
    expect(page.error).toBe("feature-not-implemented");
  });

  it("caps the page at max_archive_query_results and counts with max 0", async () => {
    const t = await server({ max_archive_query_results: 3 });
    const alice = await history(t);
    const capped = await mamQuery(alice, (q) => rsm(q, { max: 100 }));
    expect([capped.bodies.length, capped.complete]).toEqual([3, false]);
    const counted = await mamQuery(alice, (q) => rsm(q, { max: 0 }));
    expect([counted.bodies, counted.count]).toEqual([[], "6"]);
    const bad = await mamQuery(alice, (q) => rsm(q, { max: -1 } as never));
    expect(bad.error).toBe("bad-request");
  });

  it("offers the search form", async () => {
    const t = await server();
    const alice = await online(t, "alice@localhost/phone");
    const answer = await ask(alice, "get", new Element("query", { xmlns: NS_MAM }));
    const fields = answer
      .getChild("query", NS_MAM)
      ?.getChild("x", "jabber:x:data")
      ?.getChildren("field")
      .map((f) => f.attrs.var);
    expect(fields).toEqual(["FORM_TYPE", "with", "start", "end", "before-id", "after-id", "ids"]);
  });

  it("does not let a user query someone else's archive", async () => {
    const t = await server();
    const alice = await history(t);
    const eve = await online(t, "eve@localhost/x");
    await eve.process(
      iq({ type: "set", id: "peek", to: "alice@localhost" }).c("query", { xmlns: NS_MAM }).root(),
    );
    const answer = eve.received.find((s) => s.attrs.id === "peek")!;
    expect(answer.getChild("error")?.getChild("service-unavailable")).toBeDefined();
    expect(eve.received.some((s) => s.name === "message")).toBe(false);
    expect(alice.received.some((s) => s.name === "message" && s.getChild("result", NS_MAM))).toBe(false);
  });
});

describe("mam: metadata", () => {
  it("gives the first and last archived message, and nothing for an empty archive", async () => {
    const t = await server();
    const alice = await history(t);
    const all = await mamQuery(alice);
    const answer = await ask(alice, "get", new Element("metadata", { xmlns: NS_MAM }));
    const metadata = answer.getChild("metadata", NS_MAM)!;
    expect(metadata.getChild("start")?.attrs).toEqual({ id: all.ids[0], timestamp: "2023-11-14T22:13:20Z" });
    expect(metadata.getChild("end")?.attrs).toEqual({ id: all.ids[5], timestamp: "2023-11-14T22:17:20Z" });
    const empty = await ask(
      t.connect("nobody@localhost/x"),
      "get",
      new Element("metadata", { xmlns: NS_MAM }),
    );
    expect(empty.getChild("metadata", NS_MAM)?.children).toEqual([]);
  });
});

describe("mam: expiry", () => {
  it("removes messages older than archive_expires_after in the daily task", async () => {
    const t = await server({ archive_expires_after: "1 week" });
    const alice = await online(t, "alice@localhost/phone");
    await chat(alice, "bob@localhost", "old");
    await t.clock.advance(4 * DAY);
    await chat(alice, "bob@localhost", "recent");
    expect((await mamQuery(alice)).bodies).toEqual(["old", "recent"]);
    await t.clock.advance(4 * DAY);
    expect((await mamQuery(alice)).bodies).toEqual(["recent"]);
    const bob = t.connect("bob@localhost/x");
    expect((await mamQuery(bob)).bodies).toEqual(["recent"]);
  });

  it("keeps everything with archive_expires_after = never", async () => {
    const t = await server({ archive_expires_after: "never" });
    const alice = await online(t, "alice@localhost/phone");
    await chat(alice, "bob@localhost", "forever");
    await t.clock.advance(400 * DAY);
    expect((await mamQuery(alice)).bodies).toEqual(["forever"]);
  });

  it("applies a new archive_expires_after and policy after a config reload", async () => {
    const t = await server({ archive_expires_after: "never", default_archive_policy: false });
    const alice = await online(t, "alice@localhost/phone");
    await chat(alice, "bob@localhost", "unarchived");
    expect((await mamQuery(alice)).bodies).toEqual([]);
    t.server.config.set("localhost", "default_archive_policy", true);
    t.server.config.set("localhost", "archive_expires_after", "1 week");
    t.server.global.events.fire("config-reloaded", {});
    await chat(alice, "bob@localhost", "old");
    await t.clock.advance(4 * DAY);
    await chat(alice, "bob@localhost", "recent");
    await t.clock.advance(4 * DAY);
    expect((await mamQuery(alice)).bodies).toEqual(["recent"]);
  });
});

describe("mam: discovery", () => {
  it("announces urn:xmpp:mam:2 on the account", async () => {
    const t = await server({}, ["roster", "presence", "message", "disco", "mam"]);
    const alice = await online(t, "alice@localhost/phone");
    const answer = await ask(
      alice,
      "get",
      new Element("query", { xmlns: "http://jabber.org/protocol/disco#info" }),
    );
    const features = answer
      .getChild("query", "http://jabber.org/protocol/disco#info")
      ?.getChildren("feature")
      .map((f) => f.attrs.var);
    expect(features).toContain(NS_MAM);
  });
});
