import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join as joinPath } from "node:path";
import { type Element, errorReply, iq, type Module, message, presence, storage } from "canto";
import { afterEach, describe, expect, it } from "vitest";
import type {
  MucConfigFormEvent,
  MucConfigSubmittedEvent,
  MucDiscoInfoEvent,
  MucMessageEvent,
  MucOccupantEvent,
  MucOccupantPreJoinEvent,
  MucRoomEvent,
} from "./events.js";
import {
  bodies,
  configure,
  createRoom,
  groupchat,
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
const INFO = "http://jabber.org/protocol/disco#info";
const ITEMS = "http://jabber.org/protocol/disco#items";

const features = (answer: Element) =>
  answer
    .getChild("query", INFO)!
    .getChildren("feature")
    .map((f) => f.attrs.var as string);

function roomInfoField(answer: Element, name: string): string | undefined {
  const form = answer.getChild("query", INFO)!.getChild("x", NS_DATA)!;
  return (
    form
      .getChildren("field")
      .find((f) => f.attrs.var === name)
      ?.getChildText("value") ?? undefined
  );
}

describe("muc: service discovery", () => {
  it("describes the service as a text conference service", async () => {
    const t = await mucServer({ name: "Covens" });
    const alice = t.connect("alice@localhost/phone");
    const answer = await query(alice, SERVICE, "get", INFO);
    const identity = answer.getChild("query", INFO)!.getChild("identity")!;
    expect(identity.attrs).toMatchObject({ category: "conference", type: "text", name: "Covens" });
    expect(features(answer)).toContain("http://jabber.org/protocol/muc");
  });

  it("lists public rooms that are configured, not hidden or locked ones", async () => {
    const t = await mucServer();
    const alice = t.connect("alice@localhost/phone");
    await createRoom(alice, "coven", "Alice", { "muc#roomconfig_roomname": "The Coven" });
    await createRoom(alice, "secret", "Alice", { "muc#roomconfig_publicroom": "0" });
    await join(alice, "locked", "Alice");
    const answer = await query(alice, SERVICE, "get", ITEMS);
    const items = answer
      .getChild("query", ITEMS)!
      .getChildren("item")
      .map((i) => i.attrs);
    expect(items).toEqual([{ jid: ROOM, name: "The Coven" }]);
  });

  it("describes a room by its features and the muc#roominfo form", async () => {
    const t = await mucServer();
    const alice = t.connect("alice@localhost/phone");
    await createRoom(alice, "coven", "Alice", {
      "muc#roomconfig_roomname": "The Coven",
      "muc#roomconfig_roomdesc": "Spells and potions",
      "muc#roomconfig_membersonly": "1",
      "muc#roomconfig_moderatedroom": "1",
      "muc#roomconfig_persistentroom": "1",
      "muc#roomconfig_whois": "anyone",
    });
    const answer = await query(t.connect("bob@localhost/desk"), ROOM, "get", INFO);
    expect(answer.getChild("query", INFO)!.getChild("identity")!.attrs).toMatchObject({
      category: "conference",
      type: "text",
      name: "The Coven",
    });
    expect(features(answer)).toEqual(
      expect.arrayContaining([
        "http://jabber.org/protocol/muc",
        "muc_public",
        "muc_persistent",
        "muc_membersonly",
        "muc_moderated",
        "muc_nonanonymous",
        "muc_unsecured",
      ]),
    );
    const form = answer.getChild("query", INFO)!.getChild("x", NS_DATA)!;
    expect(form.getChildren("field")[0]!.getChildText("value")).toBe(
      "http://jabber.org/protocol/muc#roominfo",
    );
    expect(roomInfoField(answer, "muc#roominfo_description")).toBe("Spells and potions");
    expect(roomInfoField(answer, "muc#roominfo_occupants")).toBe("1");
    const hidden = await mucServer();
    const carol = hidden.connect("carol@localhost/x");
    await createRoom(carol, "den", "Carol", { "muc#roomconfig_publicroom": "0" });
    const info = await query(carol, `den@${SERVICE}`, "get", INFO);
    expect(features(info)).toEqual(
      expect.arrayContaining(["muc_hidden", "muc_temporary", "muc_open", "muc_semianonymous"]),
    );
    expect(outcome(await query(carol, `nowhere@${SERVICE}`, "get", INFO))).toBe("cancel/item-not-found");
  });

  it("answers a self-ping (XEP-0410) for a joined nick and not-acceptable otherwise", async () => {
    const t = await mucServer();
    const alice = t.connect("alice@localhost/phone");
    await createRoom(alice, "coven", "Alice");
    const ask = async (session: typeof alice, id: string) => {
      await send(
        session,
        iq({ type: "get", id, to: `${ROOM}/Alice` })
          .c("ping", { xmlns: "urn:xmpp:ping" })
          .root(),
      );
      return session.received.findLast((s) => s.attrs.id === id);
    };
    expect(outcome(await ask(alice, "p1"))).toBe("result");
    expect(outcome(await ask(t.connect("bob@localhost/desk"), "p2"))).toBe("cancel/not-acceptable");
  });
});

describe("muc: persistence", () => {
  it("keeps a persistent room, its configuration, affiliations and subject across a restart", async () => {
    const dir = mkdtempSync(joinPath(tmpdir(), "canto-muc-"));
    const path = joinPath(dir, "muc.sqlite");
    const storageFor = () =>
      new storage.StorageManager({
        drivers: { sqlite: storage.createSqliteDriver({ path }) },
        defaultStorage: "sqlite",
      });
    try {
      const first = await mucServer({}, { storage: storageFor() });
      const alice = first.connect("alice@localhost/phone");
      await createRoom(alice, "coven", "Alice", {
        "muc#roomconfig_persistentroom": "1",
        "muc#roomconfig_roomname": "The Coven",
        "muc#roomconfig_membersonly": "1",
      });
      await createRoom(alice, "fleeting", "Alice");
      await query(alice, ROOM, "set", NS_ADMIN, (q) => {
        q.c("item", { jid: "bob@localhost", affiliation: "member" });
      });
      await send(alice, groupchat("coven", "before"));
      await send(alice, message({ to: ROOM, type: "groupchat" }).c("subject").t("Spells").root());
      await send(alice, presence({ to: `${ROOM}/Alice`, type: "unavailable" }));
      await stopServers();

      const second = await mucServer({}, { storage: storageFor() });
      const bob = second.connect("bob@localhost/desk");
      const items = await query(bob, SERVICE, "get", ITEMS);
      expect(
        items
          .getChild("query", ITEMS)!
          .getChildren("item")
          .map((i) => i.attrs.name),
      ).toEqual(["The Coven"]);
      await join(bob, "coven", "Bob");
      const self = lastPresence(bob, `${ROOM}/Bob`)!;
      expect(outcome(self)).toBe("available");
      expect(bob.received.at(-1)?.getChildText("subject")).toBe("Spells");
      const eve = second.connect("eve@localhost/x");
      await join(eve, "coven", "Eve");
      expect(outcome(lastPresence(eve, `${ROOM}/Eve`))).toBe("auth/registration-required");
      // The temporary room did not come back: joining creates it.
      await join(eve, "fleeting", "Eve");
      expect(lastPresence(eve, `fleeting@${SERVICE}/Eve`)?.toString()).toContain('code="201"');
      expect(bodies(bob)).toEqual(["before"]);
    } finally {
      await stopServers();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe("muc: idle rooms", () => {
  it("unloads an empty persistent room and brings it back, history included, on its next stanza", async () => {
    const t = await mucServer();
    const alice = t.connect("alice@localhost/phone");
    await createRoom(alice, "coven", "Alice", { "muc#roomconfig_persistentroom": "1" });
    await send(alice, groupchat("coven", "kept"));
    await send(alice, presence({ to: `${ROOM}/Alice`, type: "unavailable" }));
    const api = t.server.host(SERVICE)!.modules.get("muc")!.exports as import("./muc.js").MucApi;
    expect(api.service.rooms.has(ROOM)).toBe(false);
    const bob = t.connect("bob@localhost/desk");
    await join(bob, "coven", "Bob");
    expect(api.service.rooms.has(ROOM)).toBe(true);
    expect(bodies(bob)).toEqual(["kept"]);
    expect((await api.getRoom(ROOM))?.affiliation("alice@localhost")).toBe("owner");
  });
});

describe("muc: room events for other modules", () => {
  it("fires the muc-* events with their payloads, and lets a module refuse, extend and read them", async () => {
    const seen: string[] = [];
    const probe = (module: Module) => {
      module.hook<MucRoomEvent>("muc-room-created", (e) => {
        seen.push(`created ${e.room.jid}`);
      });
      module.hook<MucOccupantPreJoinEvent>("muc-occupant-pre-join", (e) => {
        if (e.occupant.nick !== "Mallory") return undefined;
        e.origin.send(errorReply(e.stanza, "cancel", "not-allowed", "No Mallories"));
        return true;
      });
      module.hook<MucOccupantEvent>("muc-occupant-joined", (e) => {
        seen.push(`joined ${e.nick}`);
      });
      module.hook<MucOccupantEvent>("muc-occupant-left", (e) => {
        seen.push(`left ${e.nick}`);
      });
      module.hook<MucMessageEvent>("muc-broadcast-message", (e) => {
        e.stanza.c("stanza-id", { xmlns: "urn:xmpp:sid:0", id: "x1", by: e.room.jid });
      });
      module.hook<MucConfigFormEvent>("muc-config-form", (e) => {
        e.form.c("field", { var: "x-probe#flavour", type: "text-single" }).c("value").t("plain");
      });
      module.hook<MucConfigSubmittedEvent>("muc-config-submitted", (e) => {
        const flavour = e.fields.fields.find((f) => f.var === "x-probe#flavour");
        if (flavour !== undefined) seen.push(`flavour ${flavour.values[0]}`);
      });
      module.hook<MucDiscoInfoEvent>("muc-disco#info", (e) => {
        e.features.add("urn:example:probe");
        e.formFields.push({ var: "x-probe#flavour", value: "plain" });
      });
    };
    const t = await mucServer({ modules_enabled: ["probe"] }, { modules: { probe } });
    const alice = t.connect("alice@localhost/phone");
    await createRoom(alice, "coven", "Alice");
    const form = (await query(alice, ROOM, "get", NS_OWNER))
      .getChild("query", NS_OWNER)!
      .getChild("x", NS_DATA)!;
    expect(form.getChildren("field").map((f) => f.attrs.var)).toContain("x-probe#flavour");
    await configure(alice, "coven", { "x-probe#flavour": "spicy" });

    const mallory = t.connect("mallory@localhost/x");
    await join(mallory, "coven", "Mallory");
    expect(outcome(lastPresence(mallory, `${ROOM}/Mallory`))).toBe("cancel/not-allowed");
    expect(lastPresence(alice, `${ROOM}/Mallory`)).toBeUndefined();

    await send(alice, groupchat("coven", "hi"));
    expect(alice.received.at(-1)?.getChild("stanza-id", "urn:xmpp:sid:0")?.attrs.id).toBe("x1");
    const info = await query(alice, ROOM, "get", INFO);
    expect(features(info)).toContain("urn:example:probe");
    expect(roomInfoField(info, "x-probe#flavour")).toBe("plain");
    await send(alice, presence({ to: `${ROOM}/Alice`, type: "unavailable" }));
    expect(seen).toEqual([`created ${ROOM}`, "joined Alice", "flavour spicy", "left Alice"]);
  });
});
