import { type Element, iq } from "canto";
import { afterEach, describe, expect, it } from "vitest";
import {
  bodies,
  createRoom,
  groupchat,
  join,
  mucServer,
  outcome,
  query,
  SERVICE,
  send,
  stopServers,
} from "../muc/muc.test-helper.js";
import { mucModerationModules } from "./index.js";

afterEach(stopServers);

const ROOM = `coven@${SERVICE}`;
const NS_MODERATE = "urn:xmpp:message-moderate:1";
const NS_RETRACT = "urn:xmpp:message-retract:1";

async function setup() {
  const t = await mucServer({ modules_enabled: ["muc_moderation"] }, { modules: mucModerationModules });
  const alice = t.connect("alice@localhost/phone");
  await createRoom(alice, "coven", "Alice");
  const bob = t.connect("bob@localhost/desk");
  await join(bob, "coven", "Bob");
  await send(bob, groupchat("coven", "something rude"));
  const sent = alice.received.findLast((s) => s.name === "message")!;
  const id = sent.getChild("stanza-id", "urn:xmpp:sid:0")!.attrs.id as string;
  return { t, alice, bob, id };
}

let n = 0;
async function moderate(
  session: import("canto").LocalSession,
  id: string,
  reason?: string,
): Promise<Element> {
  const qid = `m${++n}`;
  const stanza = iq({ type: "set", to: ROOM, id: qid });
  const el = stanza.c("moderate", { xmlns: NS_MODERATE, id });
  el.c("retract", { xmlns: NS_RETRACT });
  if (reason !== undefined) el.c("reason").t(reason);
  await send(session, stanza);
  return session.received.findLast((s) => s.attrs.id === qid)!;
}

describe("muc_moderation (XEP-0425) on muc's events", () => {
  it("stamps groupchat with the room's stanza id and advertises moderation on the room", async () => {
    const { alice, id } = await setup();
    expect(id).toMatch(/^[0-9a-f-]{36}$/);
    const info = await query(alice, ROOM, "get", "http://jabber.org/protocol/disco#info");
    const features = info
      .getChild("query", "http://jabber.org/protocol/disco#info")!
      .getChildren("feature")
      .map((f) => f.attrs.var);
    expect(features).toContain(NS_MODERATE);
  });

  it("replaces a stanza id a client forged with the room's own", async () => {
    const { alice, bob } = await setup();
    const forged = groupchat("coven", "sneaky");
    forged.c("stanza-id", { xmlns: "urn:xmpp:sid:0", id: "forged", by: ROOM });
    await send(bob, forged);
    const ids = alice.received
      .findLast((s) => s.name === "message")!
      .getChildren("stanza-id", "urn:xmpp:sid:0")
      .map((s) => s.attrs.id);
    expect(ids).toHaveLength(1);
    expect(ids[0]).not.toBe("forged");
  });

  it("lets a moderator retract a message: occupants are told and history keeps a tombstone", async () => {
    const { t, alice, bob, id } = await setup();
    expect(outcome(await moderate(bob, id))).toBe("auth/forbidden");
    expect(outcome(await moderate(alice, id, "Be nice"))).toBe("result");
    const notice = bob.received.findLast((s) => s.getChild("retract", NS_RETRACT) !== undefined)!;
    expect(notice.attrs.from).toBe(ROOM);
    const retract = notice.getChild("retract", NS_RETRACT)!;
    expect(retract.attrs.id).toBe(id);
    expect(retract.getChild("moderated", NS_MODERATE)?.attrs.by).toBe(`${ROOM}/Alice`);
    expect(retract.getChildText("reason")).toBe("Be nice");

    const carol = t.connect("carol@localhost/x");
    await join(carol, "coven", "Carol");
    expect(bodies(carol)).toEqual([]);
    const tombstone = carol.received.find((s) => s.getChild("retracted", NS_RETRACT) !== undefined);
    expect(tombstone?.attrs.from).toBe(`${ROOM}/Bob`);
    expect(outcome(await moderate(alice, "no-such-id"))).toBe("cancel/item-not-found");
  });
});
