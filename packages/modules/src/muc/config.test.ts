import { message } from "canto";
import { afterEach, describe, expect, it } from "vitest";
import { readServiceOptions } from "./config.js";
import { MucError } from "./errors.js";
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
  NS_ADMIN,
  NS_DATA,
  NS_OWNER,
  outcome,
  query,
  SERVICE,
  send,
  stopServers,
} from "./muc.test-helper.js";

afterEach(stopServers);

const ROOM = `coven@${SERVICE}`;

function setAffiliation(jid: string, affiliation: string) {
  return (q: import("canto").Element) => {
    q.c("item", { jid, affiliation });
  };
}

describe("muc: room configuration and its effects", () => {
  it("members-only: non-members get registration-required (407), members enter", async () => {
    const t = await mucServer();
    const alice = t.connect("alice@localhost/phone");
    await createRoom(alice, "coven", "Alice", { "muc#roomconfig_membersonly": "1" });
    const bob = t.connect("bob@localhost/desk");
    await join(bob, "coven", "Bob");
    expect(outcome(lastPresence(bob, `${ROOM}/Bob`))).toBe("auth/registration-required");
    expect(
      outcome(await query(alice, ROOM, "set", NS_ADMIN, setAffiliation("bob@localhost", "member"))),
    ).toBe("result");
    await join(bob, "coven", "Bob");
    expect(item(lastPresence(bob, `${ROOM}/Bob`))).toMatchObject({
      affiliation: "member",
      role: "participant",
    });
  });

  it("password-protected: a wrong or missing password is not-authorized (401)", async () => {
    const t = await mucServer();
    const alice = t.connect("alice@localhost/phone");
    await createRoom(alice, "coven", "Alice", {
      "muc#roomconfig_passwordprotectedroom": "1",
      "muc#roomconfig_roomsecret": "toad",
    });
    const bob = t.connect("bob@localhost/desk");
    await join(bob, "coven", "Bob");
    expect(outcome(lastPresence(bob, `${ROOM}/Bob`))).toBe("auth/not-authorized");
    await join(bob, "coven", "Bob", { password: "frog" });
    expect(outcome(lastPresence(bob, `${ROOM}/Bob`))).toBe("auth/not-authorized");
    await join(bob, "coven", "Bob", { password: "toad" });
    expect(codes(lastPresence(bob, `${ROOM}/Bob`))).toContain(110);
    // A password-protected room needs a password.
    const answer = await configure(alice, "coven", {
      "muc#roomconfig_passwordprotectedroom": "1",
      "muc#roomconfig_roomsecret": "",
    });
    expect(outcome(answer)).toBe("modify/not-acceptable");
  });

  it("moderated: newcomers are visitors without voice until a moderator grants it", async () => {
    const t = await mucServer();
    const alice = t.connect("alice@localhost/phone");
    await createRoom(alice, "coven", "Alice", { "muc#roomconfig_moderatedroom": "1" });
    const bob = t.connect("bob@localhost/desk");
    await join(bob, "coven", "Bob");
    expect(item(lastPresence(bob, `${ROOM}/Bob`)).role).toBe("visitor");
    await send(bob, groupchat("coven", "may I?"));
    expect(outcome(bob.received.at(-1))).toBe("auth/forbidden");
    expect(bodies(alice)).toEqual([]);
    const voice = await query(alice, ROOM, "set", NS_ADMIN, (q) => {
      q.c("item", { nick: "Bob", role: "participant" });
    });
    expect(outcome(voice)).toBe("result");
    expect(item(lastPresence(alice, `${ROOM}/Bob`)).role).toBe("participant");
    await send(bob, groupchat("coven", "thanks"));
    expect(bodies(alice)).toEqual(["thanks"]);
  });

  it("passes a visitor's voice request to the moderators and grants voice when one approves", async () => {
    const t = await mucServer();
    const alice = t.connect("alice@localhost/phone");
    await createRoom(alice, "coven", "Alice", { "muc#roomconfig_moderatedroom": "1" });
    const bob = t.connect("bob@localhost/desk");
    await join(bob, "coven", "Bob");
    const carol = t.connect("carol@localhost/x");
    await join(carol, "coven", "Carol");
    const form = (fields: Record<string, string>) => {
      const m = message({ to: ROOM });
      const x = m.c("x", { xmlns: NS_DATA, type: "submit" });
      x.c("field", { var: "FORM_TYPE", type: "hidden" })
        .c("value")
        .t("http://jabber.org/protocol/muc#request");
      for (const [name, v] of Object.entries(fields)) x.c("field", { var: name }).c("value").t(v);
      return m;
    };
    await send(bob, form({ "muc#role": "participant" }));
    const asked = alice.received.at(-1)!;
    expect(asked.attrs.from).toBe(ROOM);
    const fields = asked.getChild("x", NS_DATA)!.getChildren("field");
    const field = (name: string) => fields.find((f) => f.attrs.var === name)?.getChildText("value");
    expect(field("muc#roomnick")).toBe("Bob");
    expect(field("muc#jid")).toBe("bob@localhost/desk");
    // Carol, a visitor, cannot grant it; Alice can.
    await send(carol, form({ "muc#roomnick": "Bob", "muc#request_allow": "true" }));
    expect(outcome(carol.received.at(-1))).toBe("cancel/not-allowed");
    await send(
      alice,
      form({ "muc#role": "participant", "muc#roomnick": "Bob", "muc#request_allow": "true" }),
    );
    expect(item(lastPresence(carol, `${ROOM}/Bob`)).role).toBe("participant");
  });

  it("banned users are forbidden (403)", async () => {
    const t = await mucServer();
    const alice = t.connect("alice@localhost/phone");
    await createRoom(alice, "coven", "Alice");
    await query(alice, ROOM, "set", NS_ADMIN, setAffiliation("bob@localhost", "outcast"));
    const bob = t.connect("bob@localhost/desk");
    await join(bob, "coven", "Bob");
    expect(outcome(lastPresence(bob, `${ROOM}/Bob`))).toBe("auth/forbidden");
  });

  it("a full room is service-unavailable (503), except for its admins and owners", async () => {
    const t = await mucServer();
    const alice = t.connect("alice@localhost/phone");
    await createRoom(alice, "coven", "Alice", { "muc#roomconfig_maxusers": "2" });
    await join(t.connect("bob@localhost/desk"), "coven", "Bob");
    const carol = t.connect("carol@localhost/x");
    await join(carol, "coven", "Carol");
    expect(outcome(lastPresence(carol, `${ROOM}/Carol`))).toBe("wait/service-unavailable");
    await query(alice, ROOM, "set", NS_ADMIN, setAffiliation("dave@localhost", "admin"));
    const dave = t.connect("dave@localhost/x");
    await join(dave, "coven", "Dave");
    expect(item(lastPresence(dave, `${ROOM}/Dave`)).role).toBe("moderator");
  });

  it("muc_max_occupants caps every room and maxusers above it is refused with the option's name", async () => {
    const t = await mucServer({ muc_max_occupants: 2 });
    const alice = t.connect("alice@localhost/phone");
    await createRoom(alice, "coven", "Alice");
    await join(t.connect("bob@localhost/desk"), "coven", "Bob");
    const carol = t.connect("carol@localhost/x");
    await join(carol, "coven", "Carol");
    expect(outcome(lastPresence(carol, `${ROOM}/Carol`))).toBe("wait/service-unavailable");
    const answer = await configure(alice, "coven", { "muc#roomconfig_maxusers": "3" });
    expect(outcome(answer)).toBe("modify/not-acceptable");
    expect(answer.toString()).toContain("muc_max_occupants");
  });

  it("announces a configuration change with 104, and removes non-members when a room turns members-only (322)", async () => {
    const t = await mucServer();
    const alice = t.connect("alice@localhost/phone");
    await createRoom(alice, "coven", "Alice");
    const bob = t.connect("bob@localhost/desk");
    await join(bob, "coven", "Bob");
    await configure(alice, "coven", { "muc#roomconfig_roomname": "The Coven" });
    const note = bob.received.at(-1)!;
    expect(note.name).toBe("message");
    expect(codes(note)).toEqual([104]);
    await configure(alice, "coven", { "muc#roomconfig_membersonly": "1" });
    const out = lastPresence(bob, `${ROOM}/Bob`)!;
    expect(out.attrs.type).toBe("unavailable");
    expect(codes(out)).toEqual(expect.arrayContaining([110, 322]));
    expect(lastPresence(alice, `${ROOM}/Alice`)?.attrs.type).toBeUndefined();
  });

  it("answers malformed forms with bad-request and bad values with not-acceptable, changing nothing", async () => {
    const t = await mucServer();
    const alice = t.connect("alice@localhost/phone");
    await createRoom(alice, "coven", "Alice");
    const noForm = await query(alice, ROOM, "set", NS_OWNER, (q) => {
      q.c("foo");
    });
    expect(outcome(noForm)).toBe("modify/bad-request");
    const badType = await query(alice, ROOM, "set", NS_OWNER, (q) => {
      q.c("x", { xmlns: NS_DATA, type: "bogus" });
    });
    expect(outcome(badType)).toBe("modify/bad-request");
    const formType = await query(alice, ROOM, "set", NS_OWNER, (q) => {
      const x = q.c("x", { xmlns: NS_DATA, type: "submit" });
      x.c("field", { var: "FORM_TYPE", type: "hidden" }).c("value").t("urn:other");
    });
    expect(outcome(formType)).toBe("modify/bad-request");
    expect(outcome(await configure(alice, "coven", { "muc#roomconfig_persistentroom": "maybe" }))).toBe(
      "modify/not-acceptable",
    );
    expect(outcome(await configure(alice, "coven", { "muc#roomconfig_whois": "everybody" }))).toBe(
      "modify/not-acceptable",
    );
    expect(outcome(await configure(alice, "coven", { "muc#roomconfig_historylength": "-1" }))).toBe(
      "modify/not-acceptable",
    );
    const form = (await query(alice, ROOM, "get", NS_OWNER))
      .getChild("query", NS_OWNER)!
      .getChild("x", NS_DATA)!;
    const persistent = form
      .getChildren("field")
      .find((f) => f.attrs.var === "muc#roomconfig_persistentroom")!;
    expect(persistent.getChildText("value")).toBe("0");
  });

  it("destroys a new room whose owner cancels its first configuration", async () => {
    const t = await mucServer();
    const alice = t.connect("alice@localhost/phone");
    await join(alice, "coven", "Alice");
    const cancel = await query(alice, ROOM, "set", NS_OWNER, (q) => {
      q.c("x", { xmlns: NS_DATA, type: "cancel" });
    });
    expect(outcome(cancel)).toBe("result");
    expect(lastPresence(alice, `${ROOM}/Alice`)?.attrs.type).toBe("unavailable");
    await join(alice, "coven", "Alice");
    expect(codes(lastPresence(alice, `${ROOM}/Alice`))).toContain(201);
  });

  it("destroys a room left locked past muc_room_lock_timeout, leaving the name free", async () => {
    const t = await mucServer({ muc_room_lock_timeout: 30, muc_room_default_persistent: true });
    const alice = t.connect("alice@localhost/phone");
    await join(alice, "coven", "Alice");
    await t.clock.advance(31);
    await new Promise((r) => setImmediate(r));
    expect(lastPresence(alice, `${ROOM}/Alice`)?.attrs.type).toBe("unavailable");
    await join(alice, "coven", "Alice");
    expect(codes(lastPresence(alice, `${ROOM}/Alice`))).toContain(201);
  });

  it("refuses bad options at load with errors naming them", () => {
    const options = (values: Record<string, unknown>) => () => readServiceOptions((name) => values[name]);
    expect(options({ max_history_messages: -1 })).toThrow(MucError);
    expect(options({ max_history_messages: "many" })).toThrow(/max_history_messages/);
    expect(options({ muc_max_occupants: 0 })).toThrow(/muc_max_occupants/);
    expect(options({ restrict_room_creation: "everyone" })).toThrow(/restrict_room_creation/);
    expect(options({ max_history_messages: 5, muc_room_default_history_length: 10 })).toThrow(/exceeds/);
    expect(options({ muc_room_default_public: "yes" })).toThrow(/muc_room_default_public/);
    expect(readServiceOptions(() => undefined).defaults.historyLength).toBe(20);
  });

  it("refuses to load on a VirtualHost", async () => {
    const { createTestServer } = await import("canto");
    const { mucModules } = await import("./index.js");
    const t = await createTestServer({
      modules: mucModules,
      config: { hosts: { localhost: {} } },
    });
    try {
      const error = await t.server.manager.load("localhost", "muc").catch((e: unknown) => e);
      expect((error as { cause?: { code?: string } }).cause?.code).toBe("not-a-component");
      expect(String(error)).toContain('Component "conference.localhost" "muc"');
    } finally {
      await t.stop();
    }
  });

  it("takes room defaults from muc_room_default_* options", async () => {
    const t = await mucServer({ muc_room_default_members_only: true, muc_room_default_public_jids: true });
    const alice = t.connect("alice@localhost/phone");
    await createRoom(alice, "coven", "Alice");
    const form = (await query(alice, ROOM, "get", NS_OWNER))
      .getChild("query", NS_OWNER)!
      .getChild("x", NS_DATA)!;
    const value = (name: string) =>
      form
        .getChildren("field")
        .find((f) => f.attrs.var === name)
        ?.getChildText("value");
    expect(value("muc#roomconfig_membersonly")).toBe("1");
    expect(value("muc#roomconfig_whois")).toBe("anyone");
  });
});
