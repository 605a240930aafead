import { type Element, message, presence } from "canto";
import { afterEach, describe, expect, it } from "vitest";
import {
  bodies,
  configure,
  createRoom,
  groupchat,
  join,
  lastPresence,
  mucServer,
  NS_USER,
  outcome,
  SERVICE,
  send,
  stopServers,
} from "./muc.test-helper.js";

afterEach(stopServers);

const ROOM = `coven@${SERVICE}`;

function subject(text: string) {
  return message({ to: ROOM, type: "groupchat" }).c("subject").t(text).root();
}

describe("muc: messages", () => {
  it("broadcasts groupchat from the occupant JID to every occupant, sender included", async () => {
    const t = await mucServer();
    const alice = t.connect("alice@localhost/phone");
    await createRoom(alice, "coven", "Alice");
    const bob = t.connect("bob@localhost/desk");
    await join(bob, "coven", "Bob");
    await send(bob, groupchat("coven", "hello"));
    for (const session of [alice, bob]) {
      const got = session.received.findLast((s) => s.name === "message")!;
      expect(got.attrs.from).toBe(`${ROOM}/Bob`);
      expect(got.getChildText("body")).toBe("hello");
    }
    const stranger = t.connect("eve@localhost/x");
    await send(stranger, groupchat("coven", "let me in"));
    expect(outcome(stranger.received.at(-1))).toBe("cancel/not-acceptable");
    expect(bodies(alice)).toEqual(["hello"]);
    await send(stranger, groupchat("nowhere", "hi"));
    expect(outcome(stranger.received.at(-1))).toBe("cancel/item-not-found");
  });

  it("lets moderators set the subject, others only with changesubject, and gives it to newcomers", async () => {
    const t = await mucServer();
    const alice = t.connect("alice@localhost/phone");
    await createRoom(alice, "coven", "Alice");
    const bob = t.connect("bob@localhost/desk");
    await join(bob, "coven", "Bob");
    await send(bob, subject("Bob's topic"));
    expect(outcome(bob.received.at(-1))).toBe("auth/forbidden");
    await send(alice, subject("Spells"));
    expect(bob.received.at(-1)?.getChildText("subject")).toBe("Spells");
    expect(bob.received.at(-1)?.attrs.from).toBe(`${ROOM}/Alice`);

    const carol = t.connect("carol@localhost/x");
    await join(carol, "coven", "Carol");
    const last = carol.received.at(-1)!;
    expect(last.getChildText("subject")).toBe("Spells");
    expect(last.attrs.from).toBe(`${ROOM}/Alice`);

    const open = await mucServer();
    const dave = open.connect("dave@localhost/x");
    await createRoom(dave, "coven", "Dave", { "muc#roomconfig_changesubject": "1" });
    const erin = open.connect("erin@localhost/x");
    await join(erin, "coven", "Erin");
    await send(erin, subject("Erin's"));
    expect(dave.received.at(-1)?.getChildText("subject")).toBe("Erin's");
  });

  it("refuses an oversize subject without touching the room", async () => {
    const t = await mucServer({ muc_max_subject_length: 10 });
    const alice = t.connect("alice@localhost/phone");
    await createRoom(alice, "coven", "Alice");
    await send(alice, subject("a".repeat(11)));
    expect(outcome(alice.received.at(-1))).toBe("modify/not-acceptable");
    const bob = t.connect("bob@localhost/desk");
    await join(bob, "coven", "Bob");
    expect(bob.received.at(-1)?.getChildText("subject")).toBe("");
  });

  it("passes private messages between occupants, from the occupant JID", async () => {
    const t = await mucServer();
    const alice = t.connect("alice@localhost/phone");
    await createRoom(alice, "coven", "Alice");
    const bob = t.connect("bob@localhost/desk");
    await join(bob, "coven", "Bob");
    await send(
      bob,
      message({ to: `${ROOM}/Alice`, type: "chat" })
        .c("body")
        .t("psst")
        .root(),
    );
    const got = alice.received.at(-1)!;
    expect(got.attrs.from).toBe(`${ROOM}/Bob`);
    expect(got.attrs.to).toBe("alice@localhost/phone");
    expect(got.getChildText("body")).toBe("psst");
    expect(got.getChild("x", NS_USER)).toBeDefined();

    await send(
      bob,
      message({ to: `${ROOM}/Nobody`, type: "chat" })
        .c("body")
        .t("?")
        .root(),
    );
    expect(outcome(bob.received.at(-1))).toBe("cancel/item-not-found");
    const eve = t.connect("eve@localhost/x");
    await send(
      eve,
      message({ to: `${ROOM}/Alice`, type: "chat" })
        .c("body")
        .t("hi")
        .root(),
    );
    expect(outcome(eve.received.at(-1))).toBe("cancel/not-acceptable");
  });

  it("follows allowpm", async () => {
    const t = await mucServer();
    const alice = t.connect("alice@localhost/phone");
    await createRoom(alice, "coven", "Alice", { "muc#roomconfig_allowpm": "moderators" });
    const bob = t.connect("bob@localhost/desk");
    await join(bob, "coven", "Bob");
    await send(
      bob,
      message({ to: `${ROOM}/Alice`, type: "chat" })
        .c("body")
        .t("psst")
        .root(),
    );
    expect(outcome(bob.received.at(-1))).toBe("cancel/forbidden");
    await send(
      alice,
      message({ to: `${ROOM}/Bob`, type: "chat" })
        .c("body")
        .t("yes?")
        .root(),
    );
    expect(bob.received.at(-1)?.getChildText("body")).toBe("yes?");
  });
});

describe("muc: occupant ids (XEP-0421)", () => {
  const OID = "urn:xmpp:occupant-id:0";
  const idOf = (s: Element | undefined) => s?.getChild("occupant-id", OID)?.attrs.id as string | undefined;

  it("stamps presence and messages with an id per account that survives nick changes; forged ones are replaced", async () => {
    const t = await mucServer();
    const alice = t.connect("alice@localhost/phone");
    await createRoom(alice, "coven", "Alice");
    const bob = t.connect("bob@localhost/desk");
    await join(bob, "coven", "Bob");
    const bobId = idOf(lastPresence(alice, `${ROOM}/Bob`));
    expect(bobId).toMatch(/^[\w-]{22}$/);
    expect(idOf(lastPresence(bob, `${ROOM}/Alice`))).not.toBe(bobId);

    const forged = groupchat("coven", "hi");
    forged.c("occupant-id", { xmlns: OID, id: "alice-really" });
    await send(bob, forged);
    const got = alice.received.findLast((s) => s.name === "message")!;
    expect(got.getChildren("occupant-id", OID).map((o) => o.attrs.id)).toEqual([bobId]);

    await send(bob, presence({ to: `${ROOM}/Robert` }));
    expect(idOf(lastPresence(alice, `${ROOM}/Robert`))).toBe(bobId);
    await send(
      bob,
      message({ to: `${ROOM}/Alice`, type: "chat" })
        .c("body")
        .t("psst")
        .root(),
    );
    expect(idOf(alice.received.at(-1))).toBe(bobId);
  });
});

describe("muc: history on join", () => {
  async function roomWithHistory(length = "20") {
    const t = await mucServer();
    const alice = t.connect("alice@localhost/phone");
    await createRoom(alice, "coven", "Alice", { "muc#roomconfig_historylength": length });
    for (let i = 1; i <= 5; i++) {
      await send(alice, groupchat("coven", `m${i}`));
      await t.clock.advance(60);
    }
    return t;
  }

  it("replays history with delay stamps from the room, before the subject", async () => {
    const t = await roomWithHistory();
    const bob = t.connect("bob@localhost/desk");
    await join(bob, "coven", "Bob");
    expect(bodies(bob)).toEqual(["m1", "m2", "m3", "m4", "m5"]);
    const first = bob.received.find((s) => s.getChildText("body") === "m1")!;
    const delay = first.getChild("delay", "urn:xmpp:delay")!;
    expect(delay.attrs.from).toBe(ROOM);
    expect(Date.parse(delay.attrs.stamp as string) / 1000).toBe(t.clock.now() - 300);
    expect(first.attrs.from).toBe(`${ROOM}/Alice`);
    expect(bob.received.at(-1)?.getChild("subject")).toBeDefined();
  });

  it("keeps no more than the room's history length", async () => {
    const t = await roomWithHistory("3");
    const bob = t.connect("bob@localhost/desk");
    await join(bob, "coven", "Bob");
    expect(bodies(bob)).toEqual(["m3", "m4", "m5"]);
  });

  it("honours maxstanzas, maxchars, seconds and since", async () => {
    const t = await roomWithHistory();
    const a = t.connect("a@localhost/x");
    await join(a, "coven", "A", { history: { maxstanzas: "2" } });
    expect(bodies(a)).toEqual(["m4", "m5"]);
    const b = t.connect("b@localhost/x");
    await join(b, "coven", "B", { history: { maxchars: "0" } });
    expect(bodies(b)).toEqual([]);
    const c = t.connect("c@localhost/x");
    await join(c, "coven", "C", { history: { seconds: "150" } });
    expect(bodies(c)).toEqual(["m4", "m5"]);
    const d = t.connect("d@localhost/x");
    const since = new Date((t.clock.now() - 190) * 1000).toISOString();
    await join(d, "coven", "D", { history: { since } });
    expect(bodies(d)).toEqual(["m3", "m4", "m5"]);
    // maxchars counts whole stanzas: room for one but not two.
    const e = t.connect("e@localhost/x");
    const one = a.received.find((s) => s.getChildText("body") === "m5")!;
    const size = one.toString().replace(/ to="[^"]*"/, "").length;
    await join(e, "coven", "E", { history: { maxchars: String(size + 5) } });
    expect(bodies(e)).toEqual(["m5"]);
  });

  it("refuses a history length over max_history_messages", async () => {
    const t = await mucServer({ max_history_messages: 5 });
    const alice = t.connect("alice@localhost/phone");
    await join(alice, "coven", "Alice");
    const answer = await configure(alice, "coven", { "muc#roomconfig_historylength": "6" });
    expect(outcome(answer)).toBe("modify/not-acceptable");
    expect(answer.getChild("error")?.getChildText("text", "urn:ietf:params:xml:ns:xmpp-stanzas")).toContain(
      "max_history_messages",
    );
  });
});
