import { presence } from "canto";
import { afterEach, describe, expect, it } from "vitest";
import {
  bodies,
  codes,
  configure,
  createRoom,
  groupchat,
  item,
  join,
  lastPresence,
  mucServer,
  NS_DATA,
  NS_OWNER,
  NS_USER,
  outcome,
  presencesFrom,
  query,
  SERVICE,
  send,
  stopServers,
} from "./muc.test-helper.js";

afterEach(stopServers);

const ROOM = `coven@${SERVICE}`;

describe("muc: entering a room", () => {
  it("creates a locked room whose creator is owner, with 201 and 110, and unlocks it on an instant-room form", async () => {
    const t = await mucServer();
    const alice = t.connect("alice@localhost/phone");
    await join(alice, "coven", "Alice");
    const self = lastPresence(alice, `${ROOM}/Alice`)!;
    expect(codes(self)).toEqual(expect.arrayContaining([110, 201]));
    expect(item(self)).toMatchObject({
      affiliation: "owner",
      role: "moderator",
      jid: "alice@localhost/phone",
    });

    // Locked: nobody else gets in until the owner configures it.
    const bob = t.connect("bob@localhost/desk");
    await join(bob, "coven", "Bob");
    expect(outcome(lastPresence(bob, `${ROOM}/Bob`))).toBe("cancel/item-not-found");

    expect(outcome(await configure(alice, "coven"))).toBe("result");
    await join(bob, "coven", "Bob");
    expect(item(lastPresence(bob, `${ROOM}/Bob`))).toMatchObject({
      affiliation: "none",
      role: "participant",
    });
    expect(codes(lastPresence(bob, `${ROOM}/Bob`))).toEqual([110]);
  });

  it("gives a reserved room's owner the configuration form with the muc#roomconfig fields", async () => {
    const t = await mucServer();
    const alice = t.connect("alice@localhost/phone");
    await join(alice, "coven", "Alice");
    const answer = await query(alice, ROOM, "get", NS_OWNER);
    const form = answer.getChild("query", NS_OWNER)!.getChild("x", NS_DATA)!;
    const vars = form.getChildren("field").map((f) => f.attrs.var);
    for (const name of [
      "muc#roomconfig_roomname",
      "muc#roomconfig_roomdesc",
      "muc#roomconfig_persistentroom",
      "muc#roomconfig_publicroom",
      "muc#roomconfig_membersonly",
      "muc#roomconfig_moderatedroom",
      "muc#roomconfig_passwordprotectedroom",
      "muc#roomconfig_roomsecret",
      "muc#roomconfig_whois",
      "muc#roomconfig_changesubject",
      "muc#roomconfig_allowinvites",
      "muc#roomconfig_maxusers",
      "muc#roomconfig_historylength",
    ]) {
      expect(vars).toContain(name);
    }
    const bob = t.connect("bob@localhost/desk");
    expect(outcome(await query(bob, ROOM, "get", NS_OWNER))).toBe("auth/forbidden");
  });

  it("creates an unlocked room for a client without <x xmlns=muc/> and with muc_room_locking off", async () => {
    const t = await mucServer({ muc_room_locking: false });
    const alice = t.connect("alice@localhost/phone");
    await join(alice, "coven", "Alice");
    const bob = t.connect("bob@localhost/desk");
    await join(bob, "coven", "Bob");
    expect(item(lastPresence(bob, `${ROOM}/Bob`)).role).toBe("participant");

    const t2 = await mucServer();
    const carol = t2.connect("carol@localhost/x");
    await join(carol, "plain", "Carol", { bare: true });
    const dave = t2.connect("dave@localhost/x");
    await join(dave, "plain", "Dave");
    expect(codes(lastPresence(dave, `plain@${SERVICE}/Dave`))).toEqual([110]);
  });

  it("sends the occupants already there first, then the newcomer's presence to all, its own last", async () => {
    const t = await mucServer();
    const alice = t.connect("alice@localhost/phone");
    await createRoom(alice, "coven", "Alice");
    const bob = t.connect("bob@localhost/desk");
    await join(bob, "coven", "Bob");
    const presences = bob.received.filter((s) => s.name === "presence").map((s) => s.attrs.from);
    expect(presences).toEqual([`${ROOM}/Alice`, `${ROOM}/Bob`]);
    // Alice is a moderator: she sees Bob's real JID; Bob, in a semi-anonymous room, does not see hers.
    expect(item(lastPresence(alice, `${ROOM}/Bob`)).jid).toBe("bob@localhost/desk");
    expect(item(lastPresence(bob, `${ROOM}/Alice`)).jid).toBeUndefined();
    // The subject comes after, empty when none is set.
    const subject = bob.received.findLast((s) => s.name === "message");
    expect(subject?.getChildText("subject")).toBe("");
  });

  it("shows real JIDs to everyone in a non-anonymous room, with status 100", async () => {
    const t = await mucServer();
    const alice = t.connect("alice@localhost/phone");
    await createRoom(alice, "coven", "Alice", { "muc#roomconfig_whois": "anyone" });
    const bob = t.connect("bob@localhost/desk");
    await join(bob, "coven", "Bob");
    expect(item(lastPresence(bob, `${ROOM}/Alice`)).jid).toBe("alice@localhost/phone");
    expect(codes(lastPresence(bob, `${ROOM}/Bob`))).toEqual(expect.arrayContaining([110, 100]));
  });

  it("refuses a nick in use (409), a missing nick and an overlong one", async () => {
    const t = await mucServer({ muc_max_nick_length: 5 });
    const alice = t.connect("alice@localhost/phone");
    await createRoom(alice, "coven", "Alice");
    const bob = t.connect("bob@localhost/desk");
    await join(bob, "coven", "Alice");
    const refused = lastPresence(bob, `${ROOM}/Alice`)!;
    expect(outcome(refused)).toBe("cancel/conflict");
    await send(bob, presence({ to: ROOM }).c("x", { xmlns: "http://jabber.org/protocol/muc" }).root());
    expect(outcome(lastPresence(bob, ROOM))).toBe("modify/jid-malformed");
    await join(bob, "coven", "Bobbity");
    expect(outcome(lastPresence(bob, `${ROOM}/Bobbity`))).toBe("modify/not-acceptable");
    // Alice, still in, saw nothing of it.
    expect(presencesFrom(alice, `${ROOM}/Bobbity`)).toHaveLength(0);
  });

  it("lets a second session of the same account share the nick: both get everything, others see one occupant", async () => {
    const t = await mucServer();
    const alice = t.connect("alice@localhost/phone");
    await createRoom(alice, "coven", "Alice");
    const bob = t.connect("bob@localhost/desk");
    await join(bob, "coven", "Bob");
    const laptop = t.connect("alice@localhost/laptop");
    await join(laptop, "coven", "Alice");
    expect(codes(lastPresence(laptop, `${ROOM}/Alice`))).toContain(110);
    expect(lastPresence(laptop, `${ROOM}/Bob`)).toBeDefined();
    expect(presencesFrom(bob, `${ROOM}/Alice`)).toHaveLength(1);

    await send(bob, groupchat("coven", "to both"));
    expect(bodies(alice)).toEqual(["to both"]);
    expect(bodies(laptop)).toEqual(["to both"]);
    await send(laptop, groupchat("coven", "from the laptop"));
    expect(bob.received.at(-1)?.attrs.from).toBe(`${ROOM}/Alice`);

    // One session leaves: only it hears of it; Bob still sees Alice, and the phone still gets messages.
    await send(laptop, presence({ to: `${ROOM}/Alice`, type: "unavailable" }));
    expect(lastPresence(laptop, `${ROOM}/Alice`)?.attrs.type).toBe("unavailable");
    expect(lastPresence(bob, `${ROOM}/Alice`)?.attrs.type).toBeUndefined();
    await send(bob, groupchat("coven", "phone only"));
    expect(bodies(alice).at(-1)).toBe("phone only");
    expect(bodies(laptop).at(-1)).toBe("from the laptop");
  });

  it("broadcasts a leave with role none, 110 to the one leaving; a temporary room goes when empty", async () => {
    const t = await mucServer();
    const alice = t.connect("alice@localhost/phone");
    await createRoom(alice, "coven", "Alice");
    const bob = t.connect("bob@localhost/desk");
    await join(bob, "coven", "Bob");
    await send(bob, presence({ to: `${ROOM}/Bob`, type: "unavailable" }));
    const seen = lastPresence(alice, `${ROOM}/Bob`)!;
    expect(seen.attrs.type).toBe("unavailable");
    expect(item(seen).role).toBe("none");
    expect(codes(lastPresence(bob, `${ROOM}/Bob`))).toEqual([110]);

    await send(alice, presence({ to: `${ROOM}/Alice`, type: "unavailable" }));
    // The room is gone: joining creates it anew, with 201.
    await join(bob, "coven", "Bob");
    expect(codes(lastPresence(bob, `${ROOM}/Bob`))).toContain(201);
  });

  it("changes nick with 303 and the new nick, then the new presence", async () => {
    const t = await mucServer();
    const alice = t.connect("alice@localhost/phone");
    await createRoom(alice, "coven", "Alice");
    const bob = t.connect("bob@localhost/desk");
    await join(bob, "coven", "Bob");
    await send(bob, presence({ to: `${ROOM}/Robert` }));
    const old = lastPresence(alice, `${ROOM}/Bob`)!;
    expect(old.attrs.type).toBe("unavailable");
    expect(codes(old)).toEqual([303]);
    expect(item(old).nick).toBe("Robert");
    expect(item(lastPresence(alice, `${ROOM}/Robert`)).role).toBe("participant");
    expect(codes(lastPresence(bob, `${ROOM}/Bob`))).toEqual(expect.arrayContaining([110, 303]));
    // Taking a nick in use is refused and leaves the occupant as it was.
    await send(bob, presence({ to: `${ROOM}/Alice` }));
    expect(outcome(lastPresence(bob, `${ROOM}/Alice`))).toBe("cancel/conflict");
    await send(bob, groupchat("coven", "still here"));
    expect(alice.received.findLast((s) => s.name === "message")?.attrs.from).toBe(`${ROOM}/Robert`);
  });

  it("updates an occupant's presence for everyone", async () => {
    const t = await mucServer();
    const alice = t.connect("alice@localhost/phone");
    await createRoom(alice, "coven", "Alice");
    const bob = t.connect("bob@localhost/desk");
    await join(bob, "coven", "Bob");
    await send(
      bob,
      presence({ to: `${ROOM}/Bob` })
        .c("show")
        .t("away")
        .root(),
    );
    expect(lastPresence(alice, `${ROOM}/Bob`)?.getChildText("show")).toBe("away");
    expect(lastPresence(alice, `${ROOM}/Bob`)?.getChild("x", NS_USER)).toBeDefined();
    expect(bodies(alice)).toEqual([]);
  });

  it("refuses creation where restrict_room_creation forbids it, and allows the server's users with local", async () => {
    const t = await mucServer({ restrict_room_creation: true });
    const alice = t.connect("alice@localhost/phone");
    await join(alice, "coven", "Alice");
    expect(outcome(lastPresence(alice, `${ROOM}/Alice`))).toBe("cancel/not-allowed");
    const local = await mucServer({ restrict_room_creation: "local" });
    const bob = local.connect("bob@localhost/desk");
    await join(bob, "coven", "Bob");
    expect(codes(lastPresence(bob, `${ROOM}/Bob`))).toContain(201);
  });
});
