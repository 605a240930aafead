import { type Element, getError, message, presence } from "canto";
import { afterEach, describe, expect, it } from "vitest";
import { clear, imServer, login, settle } from "./im.test-helper.js";
import { isStorable } from "./offline.js";

let stop: (() => Promise<void>) | undefined;
afterEach(async () => {
  await stop?.();
  stop = undefined;
});

async function server(hostOptions: Record<string, unknown> = {}) {
  const t = await imServer({ hostOptions });
  stop = t.stop;
  return t;
}

const messagesOf = (session: { received: Element[] }) =>
  session.received.filter((s) => s.name === "message" && s.attrs.type !== "error");
const errorsOf = (session: { received: Element[] }) =>
  session.received.filter((s) => s.attrs.type === "error").map((s) => getError(s)?.condition);

describe("offline messages (XEP-0160)", () => {
  it("stores messages for a user with no available resource and delivers them at the next login with a delay stamp", async () => {
    const t = await server();
    const bob = await login(t, "bob@localhost/desk");
    const start = t.clock.now();
    await bob.process(message({ to: "alice@localhost", type: "chat", id: "m1" }, "first"));
    await t.clock.advance(60);
    await bob.process(message({ to: "alice@localhost/phone", id: "m2" }, "second"));
    expect(errorsOf(bob)).toEqual([]);

    const alice = await login(t, "alice@localhost/phone");
    const delivered = messagesOf(alice);
    expect(delivered.map((m) => m.getChildText("body"))).toEqual(["first", "second"]);
    const delay = delivered[0]!.getChild("delay", "urn:xmpp:delay")!;
    expect(delay.attrs.from).toBe("localhost");
    expect(delay.attrs.stamp).toBe(new Date(start * 1000).toISOString());
    expect(delivered[1]!.getChild("delay")!.attrs.stamp).toBe(new Date((start + 60) * 1000).toISOString());
    expect(delivered[0]!.attrs.from).toBe("bob@localhost/desk");

    // Delivered once, then deleted.
    const archive = await t.server.storage.open("localhost", "offline", "archive");
    expect((await archive.find("alice")).items).toEqual([]);
    await alice.process(presence({ type: "unavailable" }));
    clear(alice);
    await alice.process(presence());
    expect(messagesOf(alice)).toEqual([]);
  });

  it("keeps the messages while the user logs in with a negative priority", async () => {
    const t = await server();
    const bob = await login(t, "bob@localhost/desk");
    await bob.process(message({ to: "alice@localhost", type: "chat" }, "wait for me"));
    const shy = await login(t, "alice@localhost/shy", -1);
    expect(messagesOf(shy)).toEqual([]);
    const phone = await login(t, "alice@localhost/phone", 0);
    expect(messagesOf(phone).map((m) => m.getChildText("body"))).toEqual(["wait for me"]);
  });

  it("survives a reload of the offline module (the messages are in storage)", async () => {
    const t = await server();
    const bob = await login(t, "bob@localhost/desk");
    await bob.process(message({ to: "alice@localhost", type: "chat" }, "kept"));
    await t.server.manager.reload("localhost", "offline");
    await t.server.manager.reload("localhost", "message");
    await bob.process(message({ to: "alice@localhost", type: "chat" }, "after reload"));
    const alice = await login(t, "alice@localhost/phone");
    expect(messagesOf(alice).map((m) => m.getChildText("body"))).toEqual(["kept", "after reload"]);
  });

  it("bounces with service-unavailable once offline_max_messages are stored", async () => {
    const t = await server({ offline_max_messages: 2 });
    const bob = await login(t, "bob@localhost/desk");
    for (const body of ["1", "2", "3"]) {
      await bob.process(message({ to: "alice@localhost", type: "chat", id: body }, body));
    }
    expect(errorsOf(bob)).toEqual(["service-unavailable"]);
    const bounce = bob.received.find((s) => s.attrs.type === "error")!;
    expect(bounce.attrs.id).toBe("3");
    expect(bounce.getChild("error")!.getChildText("text", "urn:ietf:params:xml:ns:xmpp-stanzas")).toMatch(
      /full/,
    );
    const alice = await login(t, "alice@localhost/phone");
    expect(messagesOf(alice).map((m) => m.getChildText("body"))).toEqual(["1", "2"]);
  });

  it("applies a new offline_max_messages after a config reload", async () => {
    const t = await server({ offline_max_messages: 1 });
    const bob = await login(t, "bob@localhost/desk");
    await bob.process(message({ to: "alice@localhost", type: "chat", id: "1" }, "1"));
    await bob.process(message({ to: "alice@localhost", type: "chat", id: "2" }, "2"));
    expect(errorsOf(bob)).toEqual(["service-unavailable"]);
    t.server.config.set("localhost", "offline_max_messages", 3);
    t.server.global.events.fire("config-reloaded", {});
    await bob.process(message({ to: "alice@localhost", type: "chat", id: "3" }, "3"));
    expect(errorsOf(bob)).toEqual(["service-unavailable"]);
    const alice = await login(t, "alice@localhost/phone");
    expect(messagesOf(alice).map((m) => m.getChildText("body"))).toEqual(["1", "3"]);
  });

  it("stores nothing of chat states alone or no-store hints: those are bounced, not kept", async () => {
    const t = await server();
    const bob = await login(t, "bob@localhost/desk");
    const typing = message({ to: "alice@localhost", type: "chat" });
    typing.c("composing", { xmlns: "http://jabber.org/protocol/chatstates" });
    await bob.process(typing);
    const hinted = message({ to: "alice@localhost", type: "chat" }, "ephemeral");
    hinted.c("no-store", { xmlns: "urn:xmpp:hints" });
    await bob.process(hinted);
    expect(errorsOf(bob)).toEqual(["service-unavailable", "service-unavailable"]);
    const alice = await login(t, "alice@localhost/phone");
    expect(messagesOf(alice)).toEqual([]);
  });

  it("deletes the stored messages of a deleted account", async () => {
    const t = await server();
    const bob = await login(t, "bob@localhost/desk");
    await bob.process(message({ to: "alice@localhost", type: "chat" }, "gone"));
    const archive = await t.server.storage.open("localhost", "offline", "archive");
    expect((await archive.find("alice")).items.length).toBe(1);
    await t.server.host("localhost")!.events.fire("user-deleted", { username: "alice", host: "localhost" });
    expect((await archive.find("alice")).items).toEqual([]);
  });

  it("is triggered by the user's first available presence after a disconnect", async () => {
    const t = await server();
    const alice = await login(t, "alice@localhost/phone");
    const bob = await login(t, "bob@localhost/desk");
    t.server.sessionManager.destroy(alice);
    await settle();
    await bob.process(message({ to: "alice@localhost", type: "chat" }, "while away"));
    const back = t.connect("alice@localhost/phone");
    expect(messagesOf(back)).toEqual([]);
    await back.process(presence());
    expect(messagesOf(back).map((m) => m.getChildText("body"))).toEqual(["while away"]);
  });
});

describe("isStorable", () => {
  it.each([
    [message({ type: "chat" }, "x"), true],
    [message({ type: "unknown-type" }, "x"), true],
    [message({}, "x"), true],
    [message({ type: "headline" }, "x"), false],
    [message({ type: "groupchat" }, "x"), false],
    [message({ type: "chat" }), false],
    [message({ type: "chat" }).c("x", { xmlns: "jabber:x:conference" }).root(), true],
  ])("%s → %s", (stanza, expected) => {
    expect(isStorable(stanza)).toBe(expected);
  });
});
