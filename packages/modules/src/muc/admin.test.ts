import { type Element, message } from "canto";
import { afterEach, describe, expect, it } from "vitest";
import {
  codes,
  createRoom,
  item,
  join,
  lastPresence,
  mucServer,
  NS_ADMIN,
  NS_OWNER,
  NS_USER,
  outcome,
  query,
  SERVICE,
  send,
  stopServers,
} from "./muc.test-helper.js";

afterEach(stopServers);

const ROOM = `coven@${SERVICE}`;

const items =
  (...list: Record<string, string>[]) =>
  (q: Element) => {
    for (const { reason, ...attrs } of list) {
      const el = q.c("item", attrs);
      if (reason !== undefined) el.c("reason").t(reason);
    }
  };

/** Alice owns the room; Bob (participant) and Carol are in it. */
async function room(fields: Record<string, string> = {}) {
  const t = await mucServer();
  const alice = t.connect("alice@localhost/phone");
  await createRoom(alice, "coven", "Alice", fields);
  const bob = t.connect("bob@localhost/desk");
  await join(bob, "coven", "Bob");
  const carol = t.connect("carol@localhost/x");
  await join(carol, "coven", "Carol");
  const admin = (session: typeof alice, ...list: Record<string, string>[]) =>
    query(session, ROOM, "set", NS_ADMIN, items(...list));
  return { t, alice, bob, carol, admin };
}

describe("muc: roles", () => {
  it("kicks with 307, the actor and the reason, and the kicked one is out", async () => {
    const { alice, bob, carol, admin } = await room();
    expect(
      outcome(await admin(alice, { nick: "Bob", role: "none", reason: "brooms are parked outside" })),
    ).toBe("result");
    const seen = lastPresence(carol, `${ROOM}/Bob`)!;
    expect(seen.attrs.type).toBe("unavailable");
    expect(codes(seen)).toEqual([307]);
    const own = lastPresence(bob, `${ROOM}/Bob`)!;
    expect(codes(own)).toEqual(expect.arrayContaining([110, 307]));
    const ownItem = own.getChild("x", NS_USER)!.getChild("item")!;
    expect(ownItem.getChild("actor")?.attrs.nick).toBe("Alice");
    expect(ownItem.getChildText("reason")).toBe("brooms are parked outside");
    await send(bob, message({ to: ROOM, type: "groupchat" }).c("body").t("hey").root());
    expect(outcome(bob.received.at(-1))).toBe("cancel/not-acceptable");
  });

  it("refuses role changes by non-moderators, on admins and owners, and moderator grants by mere moderators", async () => {
    const { alice, bob, carol, admin } = await room();
    expect(outcome(await admin(bob, { nick: "Carol", role: "none" }))).toBe("cancel/not-allowed");
    expect(outcome(await admin(bob, { nick: "Alice", role: "none" }))).toBe("cancel/not-allowed");
    // Alice (owner) makes Bob a moderator; Bob may then revoke Carol's voice but not make her moderator.
    expect(outcome(await admin(alice, { nick: "Bob", role: "moderator" }))).toBe("result");
    expect(item(lastPresence(carol, `${ROOM}/Bob`)).role).toBe("moderator");
    expect(outcome(await admin(bob, { nick: "Carol", role: "visitor" }))).toBe("result");
    expect(item(lastPresence(alice, `${ROOM}/Carol`)).role).toBe("visitor");
    expect(outcome(await admin(bob, { nick: "Carol", role: "moderator" }))).toBe("cancel/not-allowed");
    expect(outcome(await admin(bob, { nick: "Alice", role: "visitor" }))).toBe("cancel/not-allowed");
    expect(outcome(await admin(alice, { nick: "Nobody", role: "visitor" }))).toBe("cancel/item-not-found");
    expect(outcome(await admin(alice, { nick: "Carol", role: "emperor" }))).toBe("modify/bad-request");
  });

  it("lists occupants by role for moderators only", async () => {
    const { alice, bob } = await room();
    const list = await query(alice, ROOM, "get", NS_ADMIN, items({ role: "participant" }));
    const nicks = list
      .getChild("query", NS_ADMIN)!
      .getChildren("item")
      .map((i) => i.attrs.nick);
    expect(nicks.sort()).toEqual(["Bob", "Carol"]);
    expect(outcome(await query(bob, ROOM, "get", NS_ADMIN, items({ role: "participant" })))).toBe(
      "auth/forbidden",
    );
  });
});

describe("muc: affiliations", () => {
  it("bans with 301 and keeps the outcast out; the outcast list shows it", async () => {
    const { alice, bob, carol, admin } = await room();
    expect(
      outcome(await admin(alice, { jid: "bob@localhost", affiliation: "outcast", reason: "hexes" })),
    ).toBe("result");
    const seen = lastPresence(carol, `${ROOM}/Bob`)!;
    expect(seen.attrs.type).toBe("unavailable");
    expect(codes(seen)).toEqual([301]);
    expect(item(seen).affiliation).toBe("outcast");
    await join(bob, "coven", "Bob");
    expect(outcome(lastPresence(bob, `${ROOM}/Bob`))).toBe("auth/forbidden");
    const list = await query(alice, ROOM, "get", NS_ADMIN, items({ affiliation: "outcast" }));
    expect(
      list
        .getChild("query", NS_ADMIN)!
        .getChildren("item")
        .map((i) => i.attrs.jid),
    ).toEqual(["bob@localhost"]);
    expect(outcome(await query(carol, ROOM, "get", NS_ADMIN, items({ affiliation: "outcast" })))).toBe(
      "auth/forbidden",
    );
  });

  it("grants member, admin and owner with the new role broadcast, and 321 when a member is removed from a members-only room", async () => {
    const { alice, bob, carol, admin } = await room();
    expect(outcome(await admin(alice, { jid: "bob@localhost", affiliation: "member" }))).toBe("result");
    expect(item(lastPresence(carol, `${ROOM}/Bob`))).toMatchObject({
      affiliation: "member",
      role: "participant",
    });
    expect(outcome(await admin(alice, { jid: "bob@localhost", affiliation: "admin" }))).toBe("result");
    expect(item(lastPresence(carol, `${ROOM}/Bob`))).toMatchObject({
      affiliation: "admin",
      role: "moderator",
    });
    expect(outcome(await admin(alice, { jid: "carol@localhost", affiliation: "owner" }))).toBe("result");
    expect(item(lastPresence(bob, `${ROOM}/Carol`))).toMatchObject({
      affiliation: "owner",
      role: "moderator",
    });

    const t2 = await room({ "muc#roomconfig_membersonly": "0" });
    await t2.admin(t2.alice, { jid: "bob@localhost", affiliation: "member" });
    await query(t2.alice, ROOM, "set", NS_OWNER, (q) => {
      const x = q.c("x", { xmlns: "jabber:x:data", type: "submit" });
      x.c("field", { var: "muc#roomconfig_membersonly" }).c("value").t("1");
    });
    // Carol, no member, left with 322; Bob stays until he loses his membership.
    expect(codes(lastPresence(t2.alice, `${ROOM}/Carol`))).toEqual([322]);
    expect(outcome(await t2.admin(t2.alice, { jid: "bob@localhost", affiliation: "none" }))).toBe("result");
    const out = lastPresence(t2.alice, `${ROOM}/Bob`)!;
    expect(out.attrs.type).toBe("unavailable");
    expect(codes(out)).toEqual([321]);
  });

  it("lets admins move users among member, none and outcast only", async () => {
    const { alice, bob, admin } = await room();
    await admin(alice, { jid: "bob@localhost", affiliation: "admin" });
    await admin(alice, { jid: "dave@localhost", affiliation: "admin" });
    expect(outcome(await admin(bob, { jid: "carol@localhost", affiliation: "member" }))).toBe("result");
    expect(outcome(await admin(bob, { jid: "eve@localhost", affiliation: "outcast" }))).toBe("result");
    expect(outcome(await admin(bob, { jid: "carol@localhost", affiliation: "admin" }))).toBe(
      "cancel/not-allowed",
    );
    expect(outcome(await admin(bob, { jid: "dave@localhost", affiliation: "outcast" }))).toBe(
      "cancel/not-allowed",
    );
    expect(outcome(await admin(bob, { jid: "alice@localhost", affiliation: "outcast" }))).toBe(
      "cancel/not-allowed",
    );
    expect(outcome(await admin(bob, { jid: "carol@localhost", affiliation: "owner" }))).toBe(
      "cancel/not-allowed",
    );
  });

  it("forbids affiliation changes by members and others", async () => {
    const { alice, bob, admin } = await room();
    await admin(alice, { jid: "bob@localhost", affiliation: "member" });
    expect(outcome(await admin(bob, { jid: "carol@localhost", affiliation: "outcast" }))).toBe(
      "auth/forbidden",
    );
    expect(outcome(await admin(bob, { jid: "carol@localhost", affiliation: "member" }))).toBe(
      "auth/forbidden",
    );
  });

  it("keeps the last owner: demoting it is a conflict; with two owners one may step down", async () => {
    const { alice, admin, bob } = await room();
    expect(outcome(await admin(alice, { jid: "alice@localhost", affiliation: "admin" }))).toBe(
      "cancel/conflict",
    );
    expect(outcome(await admin(alice, { jid: "bob@localhost", affiliation: "owner" }))).toBe("result");
    expect(outcome(await admin(alice, { jid: "alice@localhost", affiliation: "member" }))).toBe("result");
    expect(item(lastPresence(bob, `${ROOM}/Alice`))).toMatchObject({
      affiliation: "member",
      role: "participant",
    });
  });

  it("applies a batch all or nothing", async () => {
    const { alice, bob, carol, admin } = await room();
    await admin(alice, { jid: "bob@localhost", affiliation: "admin" });
    const answer = await admin(
      bob,
      { jid: "carol@localhost", affiliation: "outcast" },
      { jid: "alice@localhost", affiliation: "outcast" },
    );
    expect(outcome(answer)).toBe("cancel/not-allowed");
    expect(lastPresence(alice, `${ROOM}/Carol`)?.attrs.type).toBeUndefined();
    expect(codes(lastPresence(carol, `${ROOM}/Carol`))).toEqual([110]);
  });

  it("refuses malformed items", async () => {
    const { alice, admin } = await room();
    expect(outcome(await admin(alice, { jid: "bob@localhost", affiliation: "king" }))).toBe(
      "modify/bad-request",
    );
    expect(outcome(await admin(alice, { affiliation: "member" }))).toBe("modify/bad-request");
    expect(outcome(await admin(alice, { jid: "@@", affiliation: "member" }))).toBe("modify/jid-malformed");
    expect(outcome(await query(alice, ROOM, "set", NS_ADMIN))).toBe("modify/bad-request");
  });
});

describe("muc: destruction and invitations", () => {
  it("destroys a room: everyone gets unavailable with <destroy/>, the alternate venue and the reason", async () => {
    const { alice, bob, carol } = await room({ "muc#roomconfig_persistentroom": "1" });
    expect(outcome(await query(bob, ROOM, "set", NS_OWNER, (q) => q.c("destroy")))).toBe("auth/forbidden");
    const answer = await query(alice, ROOM, "set", NS_OWNER, (q) => {
      q.c("destroy", { jid: `darkcave@${SERVICE}` })
        .c("reason")
        .t("We moved");
    });
    expect(outcome(answer)).toBe("result");
    for (const [session, nick] of [
      [bob, "Bob"],
      [carol, "Carol"],
      [alice, "Alice"],
    ] as const) {
      const out = lastPresence(session, `${ROOM}/${nick}`)!;
      expect(out.attrs.type).toBe("unavailable");
      const destroy = out.getChild("x", NS_USER)!.getChild("destroy")!;
      expect(destroy.attrs.jid).toBe(`darkcave@${SERVICE}`);
      expect(destroy.getChildText("reason")).toBe("We moved");
    }
    await send(bob, message({ to: ROOM, type: "groupchat" }).c("body").t("hello?").root());
    expect(outcome(bob.received.at(-1))).toBe("cancel/item-not-found");
  });

  it("leaves a tombstone of a destroyed persistent room: joins are gone, with the new address, until it expires", async () => {
    const t = await mucServer({ muc_tombstone_expiry: 3600 });
    const alice = t.connect("alice@localhost/phone");
    await createRoom(alice, "coven", "Alice", { "muc#roomconfig_persistentroom": "1" });
    await query(alice, ROOM, "set", NS_OWNER, (q) => {
      q.c("destroy", { jid: `darkcave@${SERVICE}` })
        .c("reason")
        .t("We moved");
    });
    await join(alice, "coven", "Alice");
    const refused = lastPresence(alice, `${ROOM}/Alice`)!;
    expect(outcome(refused)).toBe("cancel/gone");
    const gone = refused.getChild("error")!.getChild("gone", "urn:ietf:params:xml:ns:xmpp-stanzas")!;
    expect(gone.getText()).toBe(`xmpp:darkcave@${SERVICE}?join`);
    await t.clock.advance(3601);
    await join(alice, "coven", "Alice");
    expect(codes(lastPresence(alice, `${ROOM}/Alice`))).toContain(201);

    // A temporary room leaves none; neither does any room with muc_tombstones off.
    const off = await mucServer({ muc_tombstones: false });
    const bob = off.connect("bob@localhost/desk");
    await createRoom(bob, "den", "Bob", { "muc#roomconfig_persistentroom": "1" });
    await query(bob, `den@${SERVICE}`, "set", NS_OWNER, (q) => q.c("destroy"));
    await join(bob, "den", "Bob");
    expect(codes(lastPresence(bob, `den@${SERVICE}/Bob`))).toContain(201);
  });

  it("passes mediated invitations on from the room, with the password and a jabber:x:conference copy", async () => {
    const { t, alice, bob } = await room({
      "muc#roomconfig_passwordprotectedroom": "1",
      "muc#roomconfig_roomsecret": "toad",
    });
    void bob;
    const dave = t.connect("dave@localhost/x");
    const invite = message({ to: ROOM });
    invite.c("x", { xmlns: NS_USER }).c("invite", { to: "dave@localhost" }).c("reason").t("Join us");
    await send(alice, invite);
    const got = dave.received.at(-1)!;
    expect(got.attrs.from).toBe(ROOM);
    const x = got.getChild("x", NS_USER)!;
    expect(x.getChild("invite")?.attrs.from).toBe("alice@localhost/phone");
    expect(x.getChild("invite")?.getChildText("reason")).toBe("Join us");
    expect(x.getChildText("password")).toBe("toad");
    expect(got.getChild("x", "jabber:x:conference")?.attrs.jid).toBe(ROOM);

    const decline = message({ to: ROOM });
    decline.c("x", { xmlns: NS_USER }).c("decline", { to: "alice@localhost/phone" }).c("reason").t("Busy");
    await send(dave, decline);
    const declined = alice.received.at(-1)!.getChild("x", NS_USER)!.getChild("decline")!;
    expect(declined.attrs.from).toBe("dave@localhost");
    expect(declined.getChildText("reason")).toBe("Busy");
  });

  it("lets only moderators invite unless allowinvites, and makes invitees members of a members-only room", async () => {
    const { t, alice, bob } = await room();
    const dave = t.connect("dave@localhost/x");
    const invite = (to: string) => {
      const m = message({ to: ROOM });
      m.c("x", { xmlns: NS_USER }).c("invite", { to });
      return m;
    };
    await send(bob, invite("dave@localhost"));
    expect(outcome(bob.received.at(-1))).toBe("auth/forbidden");
    expect(dave.received).toHaveLength(0);

    await query(alice, ROOM, "set", NS_OWNER, (q) => {
      const x = q.c("x", { xmlns: "jabber:x:data", type: "submit" });
      x.c("field", { var: "muc#roomconfig_membersonly" }).c("value").t("1");
      x.c("field", { var: "muc#roomconfig_allowinvites" }).c("value").t("1");
    });
    await send(alice, invite("dave@localhost"));
    await join(dave, "coven", "Dave");
    expect(item(lastPresence(dave, `${ROOM}/Dave`))).toMatchObject({
      affiliation: "member",
      role: "participant",
    });
  });

  it("carries a direct invitation (XEP-0249) from user to user; the invitee joins with its password", async () => {
    const { t, alice } = await room({
      "muc#roomconfig_passwordprotectedroom": "1",
      "muc#roomconfig_roomsecret": "toad",
    });
    const dave = t.connect("dave@localhost/x");
    const direct = message({ to: "dave@localhost/x" });
    direct.c("x", { xmlns: "jabber:x:conference", jid: ROOM, password: "toad", reason: "come" });
    await send(alice, direct);
    const got = dave.received.at(-1)!.getChild("x", "jabber:x:conference")!;
    await join(dave, got.attrs.jid.split("@")[0], "Dave", { password: got.attrs.password });
    expect(codes(lastPresence(dave, `${ROOM}/Dave`))).toContain(110);
  });
});
