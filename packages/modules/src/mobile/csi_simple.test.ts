import { Element, iq, message, presence } from "canto";
import { afterEach, describe, expect, it } from "vitest";
import { FEATURES, login, until } from "../transport/transport.test-helper.js";
import { NS_CSI } from "./csi_simple.js";
import { isImportant } from "./csi-importance.js";
import { authenticated, cleanUp, mobileServer, pause, rawClient, sessionOf } from "./mobile.test-helper.js";

const SM = "urn:xmpp:sm:3";
afterEach(cleanUp);

/** Where each marker first appears in `text` (-1 when absent). */
const positions = (text: string, markers: string[]) => markers.map((m) => text.indexOf(m));

describe("csi_simple over TCP", () => {
  it("advertises urn:xmpp:csi:0 once authenticated", async () => {
    const s = await mobileServer(["csi_simple"]);
    const c = await rawClient(s.port);
    c.open();
    expect(await c.waitFor(FEATURES)).not.toContain(NS_CSI);
    c.clear();
    c.write(`<auth xmlns='urn:test:auth' user='alice'/>`);
    await c.waitFor("<success");
    c.clear();
    c.open();
    expect(await c.waitFor(FEATURES)).toContain(`<csi xmlns="${NS_CSI}"/>`);
  });

  it("holds presence and chat states while inactive and releases them, in order, before a message", async () => {
    const s = await mobileServer(["csi_simple"]);
    const alice = await rawClient(s.port);
    await login(alice, "alice", "phone");
    const bob = s.t.connect("bob@localhost/pc");
    alice.write(`<inactive xmlns='${NS_CSI}'/>`);
    await pause(30);
    await bob.process(presence({ to: "alice@localhost/phone", id: "p1" }));
    await bob.process(
      message({ to: "alice@localhost/phone", type: "chat", id: "typing" })
        .c("composing", { xmlns: "http://jabber.org/protocol/chatstates" })
        .root(),
    );
    await bob.process(
      message({ to: "alice@localhost/phone", type: "chat", id: "receipt" })
        .c("received", { xmlns: "urn:xmpp:receipts", id: "m0" })
        .root(),
    );
    await pause(100);
    expect(alice.text).toBe("");
    await bob.process(
      message({ to: "alice@localhost/phone", type: "chat", id: "m1" }).c("body").t("hi").root(),
    );
    const text = await alice.waitFor("hi</body>");
    const [p1, typing, receipt, m1] = positions(text, ['id="p1"', 'id="typing"', 'id="receipt"', 'id="m1"']);
    expect(p1).toBeGreaterThanOrEqual(0);
    expect(p1).toBeLessThan(typing!);
    expect(typing).toBeLessThan(receipt!);
    expect(receipt).toBeLessThan(m1!);
    // Held stanzas carry when they were held (XEP-0203), from the user's bare JID.
    expect(text).toMatch(/id="p1"[\s\S]*<delay xmlns="urn:xmpp:delay" from="alice@localhost" stamp="/);
    // Active again: presence passes straight through.
    alice.clear();
    alice.write(`<active xmlns='${NS_CSI}'/>`);
    await pause(30);
    await bob.process(presence({ to: "alice@localhost/phone", id: "p2" }));
    expect(await alice.waitFor('id="p2"')).not.toContain("urn:xmpp:delay");
  });

  it("flushes on <active/> and on the client's own stanzas, and when the queue is full", async () => {
    const s = await mobileServer(["csi_simple"], { csi_queue_size: 3 } as never);
    const alice = await rawClient(s.port);
    await login(alice, "alice", "phone");
    const bob = s.t.connect("bob@localhost/pc");
    alice.write(`<inactive xmlns='${NS_CSI}'/>`);
    await pause(30);
    for (const id of ["a", "b", "c"]) await bob.process(presence({ to: "alice@localhost/phone", id }));
    await pause(50);
    expect(alice.text).toBe("");
    // The fourth finds the queue full: the three go out, the fourth waits.
    await bob.process(presence({ to: "alice@localhost/phone", id: "d" }));
    await alice.waitFor('id="c"');
    expect(alice.text).not.toContain('id="d"');
    alice.clear();
    alice.write(`<active xmlns='${NS_CSI}'/>`);
    await alice.waitFor('id="d"');
    alice.clear();
    alice.write(`<inactive xmlns='${NS_CSI}'/>`);
    await pause(30);
    await bob.process(presence({ to: "alice@localhost/phone", id: "e" }));
    await pause(50);
    expect(alice.text).toBe("");
    // Any stanza from the client shows it is awake: the queue goes out before its answer.
    alice.write(`<iq type='get' id='ping1' to='localhost'><ping xmlns='urn:xmpp:ping'/></iq>`);
    const text = await alice.waitFor('id="ping1"');
    expect(text.indexOf('id="e"')).toBeGreaterThanOrEqual(0);
    expect(text.indexOf('id="e"')).toBeLessThan(text.indexOf('id="ping1"'));
  });

  it("with stream management, counts a held stanza only once written: h stays exact across a flush", async () => {
    const s = await mobileServer(["smacks", "csi_simple"]);
    const alice = await rawClient(s.port);
    await login(alice, "alice", "phone");
    alice.write(`<enable xmlns='${SM}' resume='true'/>`);
    const id = /<enabled [^>]*id="([^"]+)"/.exec(await alice.waitFor("<enabled"))?.[1];
    alice.write(`<inactive xmlns='${NS_CSI}'/>`);
    await pause(30);
    alice.clear();
    const bob = s.t.connect("bob@localhost/pc");
    await bob.process(presence({ to: "alice@localhost/phone", id: "p1" }));
    await bob.process(presence({ to: "alice@localhost/phone", id: "p2" }));
    await pause(100);
    // Nothing written, so no ack request either: a held stanza does not wake the phone.
    expect(alice.text).toBe("");
    await bob.process(
      message({ to: "alice@localhost/phone", type: "chat", id: "m1" }).c("body").t("hi").root(),
    );
    await alice.waitFor(`<r xmlns="${SM}"/>`);
    expect(positions(alice.text, ['id="p1"', 'id="p2"', 'id="m1"'])).toEqual(
      [...positions(alice.text, ['id="p1"', 'id="p2"', 'id="m1"'])].sort((a, b) => a - b),
    );
    // Alice got three stanzas and says she handled one: the other two are exactly what resumes.
    alice.write(`<a xmlns='${SM}' h='1'/>`);
    alice.write(`<r xmlns='${SM}'/>`);
    await alice.waitFor("<a ");
    alice.destroy();
    await until(() => sessionOf(s, "alice@localhost/phone")?.hibernating === true);
    const again = await authenticated(s.port, "alice");
    again.write(`<resume xmlns='${SM}' previd='${id}' h='1'/>`);
    const text = await again.waitFor("hi</body>");
    expect(text).toContain("<resumed");
    expect(text).not.toContain('id="p1"');
    expect(text).toContain('id="p2"');
    // Acknowledging all three is exact: no handled-count-too-high.
    again.clear();
    again.write(`<a xmlns='${SM}' h='3'/><r xmlns='${SM}'/>`);
    expect(await again.waitFor("<a ")).not.toContain("handled-count-too-high");
    // One more would be more than was ever written.
    again.write(`<a xmlns='${SM}' h='4'/>`);
    expect(await again.waitFor("</stream:stream>")).toContain('send-count="3"');
  });

  it("with stream management enabled after <inactive/>, still holds below the count", async () => {
    const s = await mobileServer(["smacks", "csi_simple"]);
    const alice = await rawClient(s.port);
    await login(alice, "alice", "phone");
    alice.write(`<inactive xmlns='${NS_CSI}'/>`);
    await pause(30);
    alice.write(`<enable xmlns='${SM}'/>`);
    await alice.waitFor("<enabled");
    alice.clear();
    const bob = s.t.connect("bob@localhost/pc");
    await bob.process(presence({ to: "alice@localhost/phone", id: "p1" }));
    await pause(100);
    expect(alice.text).toBe("");
    alice.write(`<a xmlns='${SM}' h='1'/>`);
    // Held, so never sent: acknowledging it is one too many.
    expect(await alice.waitFor("</stream:stream>")).toContain('send-count="0"');
  });

  it("with stream management, keeps what it held when the connection drops, for the resumption", async () => {
    const s = await mobileServer(["smacks", "csi_simple"]);
    const alice = await rawClient(s.port);
    await login(alice, "alice", "phone");
    alice.write(`<enable xmlns='${SM}' resume='true'/>`);
    const id = /<enabled [^>]*id="([^"]+)"/.exec(await alice.waitFor("<enabled"))?.[1];
    alice.write(`<inactive xmlns='${NS_CSI}'/>`);
    await pause(30);
    const bob = s.t.connect("bob@localhost/pc");
    await bob.process(presence({ to: "alice@localhost/phone", id: "held" }));
    await pause(50);
    alice.destroy();
    await until(() => sessionOf(s, "alice@localhost/phone")?.hibernating === true);
    await bob.process(presence({ to: "alice@localhost/phone", id: "later" }));
    const again = await authenticated(s.port, "alice");
    again.write(`<resume xmlns='${SM}' previd='${id}' h='0'/>`);
    const text = await again.waitFor('id="later"');
    expect(text.indexOf('id="held"')).toBeGreaterThan(text.indexOf("<resumed"));
    expect(text.indexOf('id="held"')).toBeLessThan(text.indexOf('id="later"'));
  });

  it("with stream management, hands what it held to the resumption queue when the connection drops", async () => {
    const s = await mobileServer(["smacks", "csi_simple"]);
    const alice = await rawClient(s.port);
    await login(alice, "alice", "phone");
    alice.write(`<enable xmlns='${SM}' resume='true'/>`);
    const id = /<enabled [^>]*id="([^"]+)"/.exec(await alice.waitFor("<enabled"))?.[1];
    alice.write(`<inactive xmlns='${NS_CSI}'/>`);
    await pause(30);
    const bob = s.t.connect("bob@localhost/pc");
    await bob.process(presence({ to: "alice@localhost/phone", id: "held" }));
    await pause(50);
    alice.destroy();
    await until(() => sessionOf(s, "alice@localhost/phone")?.hibernating === true);
    const again = await authenticated(s.port, "alice");
    again.write(`<resume xmlns='${SM}' previd='${id}' h='0'/>`);
    expect(await again.waitFor('id="held"')).toContain("<resumed");
  });
});

describe("csi importance rules", () => {
  const msg = (attrs: Record<string, string> = {}) => message({ to: "a@b", ...attrs });
  it("follows Prosody's: bodies, subjects, IQs, subscriptions and nonzas are important", () => {
    expect(isImportant(msg().c("body").t("x").root())).toBe(true);
    expect(isImportant(msg({ type: "groupchat" }).c("subject").root())).toBe(true);
    expect(isImportant(msg({ type: "error" }))).toBe(true);
    expect(isImportant(iq({ type: "get", id: "1" }))).toBe(true);
    expect(isImportant(presence({ type: "subscribe" }))).toBe(true);
    expect(isImportant(new Element("r", { xmlns: SM }))).toBe(true);
    expect(isImportant(msg().c("sent", { xmlns: "urn:xmpp:carbons:2" }).root())).toBe(true);
    const carbon = msg()
      .c("received", { xmlns: "urn:xmpp:carbons:2" })
      .c("forwarded", { xmlns: "urn:xmpp:forward:0" });
    carbon.c("message", { xmlns: "jabber:client" }).c("body").t("x");
    expect(isImportant(carbon.root())).toBe(true);
  });
  it("and presence updates, headlines, chat states, receipts and markers are not", () => {
    expect(isImportant(presence())).toBe(false);
    expect(isImportant(presence({ type: "unavailable" }))).toBe(false);
    expect(isImportant(msg({ type: "headline" }).c("body").t("x").root())).toBe(false);
    expect(isImportant(msg().c("active", { xmlns: "http://jabber.org/protocol/chatstates" }).root())).toBe(
      false,
    );
    expect(isImportant(msg().c("displayed", { xmlns: "urn:xmpp:chat-markers:0", id: "1" }).root())).toBe(
      false,
    );
    const custom = msg().c("x", { xmlns: "urn:example:wake" }).root();
    expect(isImportant(custom)).toBe(false);
    expect(isImportant(custom, new Set(["urn:example:wake"]))).toBe(true);
  });
});
