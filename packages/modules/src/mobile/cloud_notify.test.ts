import { type Element, errorReply, iq, type LocalSession, message, reply } from "canto";
import { afterEach, describe, expect, it } from "vitest";
import { login, until } from "../transport/transport.test-helper.js";
import { cleanUp, mobileServer, pause, rawClient, sessionOf } from "./mobile.test-helper.js";
import { NS_PUBSUB, NS_PUSH, SUMMARY } from "./push-summary.js";

const SM = "urn:xmpp:sm:3";
const APP = "push@localhost/app";
afterEach(cleanUp);

const enableXml = (node = "n1", secret = "s1") =>
  `<iq type='set' id='en'><enable xmlns='${NS_PUSH}' jid='${APP}' node='${node}'>` +
  `<x xmlns='jabber:x:data' type='submit'><field var='FORM_TYPE'><value>http://jabber.org/protocol/pubsub#publish-options</value></field>` +
  `<field var='secret'><value>${secret}</value></field></x></enable></iq>`;

/** A test app server: an account whose session records publish IQs and answers each with `answer`. */
function appServer(connect: (jid: string) => LocalSession, answer: (iq: Element) => Element | undefined) {
  const app = connect(APP);
  const publishes: Element[] = [];
  app.onStanza = (stanza) => {
    if (stanza.name !== "iq" || stanza.attrs.type !== "set") return;
    publishes.push(stanza);
    const response = answer(stanza);
    if (response !== undefined) void app.process(response);
  };
  return { app, publishes };
}

/** The summary form's fields of a publish IQ, by var. */
function summary(publish: Element): Record<string, string> {
  const form = publish
    .getChild("pubsub", NS_PUBSUB)
    ?.getChild("publish")
    ?.getChild("item")
    ?.getChild("notification", NS_PUSH)
    ?.getChild("x", "jabber:x:data");
  const fields: Record<string, string> = {};
  for (const field of form?.getChildren("field") ?? [])
    fields[String(field.attrs.var)] = field.getChildText("value") ?? "";
  return fields;
}

const chat = (to: string, id: string, body: string) =>
  message({ to, type: "chat", id }).c("body").t(body).root();

describe("cloud_notify", () => {
  it("publishes to the app server for a message to a hibernating session, without sender or body", async () => {
    const s = await mobileServer(["smacks", "cloud_notify"]);
    const { publishes } = appServer(
      (jid) => s.t.connect(jid),
      (stanza) => reply(stanza),
    );
    const alice = await rawClient(s.port);
    await login(alice, "alice", "phone");
    alice.write(`<enable xmlns='${SM}' resume='true'/>`);
    await alice.waitFor("<enabled");
    alice.write(enableXml());
    expect(await alice.waitFor('id="en"')).toContain('type="result"');
    alice.destroy();
    await until(() => sessionOf(s, "alice@localhost/phone")?.hibernating === true);
    const bob = s.t.connect("bob@localhost/pc");
    await bob.process(chat("alice@localhost/phone", "m1", "secret words"));
    await until(() => publishes.length === 1);
    const publish = publishes[0]!;
    expect(publish.attrs.from).toBe("localhost");
    expect(publish.getChild("pubsub", NS_PUBSUB)?.getChild("publish")?.attrs.node).toBe("n1");
    const fields = summary(publish);
    expect(fields.FORM_TYPE).toBe(SUMMARY);
    expect(fields["message-count"]).toBe("1");
    expect(fields["last-message-sender"]).toBeUndefined();
    // The stand-in body of mod_cloud_notify, never the words.
    expect(fields["last-message-body"]).toBe("New Message!");
    expect(publish.toString()).not.toContain("secret words");
    const publishOptions = publish.getChild("pubsub", NS_PUBSUB)?.getChild("publish-options");
    expect(publishOptions?.toString()).toContain("<value>s1</value>");
  });

  it("publishes for a message to an offline account, with sender and body when configured", async () => {
    const s = await mobileServer(["cloud_notify"], {
      push_notification_with_body: true,
      push_notification_with_sender: true,
    } as never);
    const { publishes } = appServer(
      (jid) => s.t.connect(jid),
      (stanza) => reply(stanza),
    );
    const alice = await rawClient(s.port);
    await login(alice, "alice", "phone");
    alice.write(enableXml());
    await alice.waitFor('id="en"');
    alice.write("</stream:stream>");
    await alice.closed();
    await until(() => sessionOf(s, "alice@localhost/phone") === undefined);
    const bob = s.t.connect("bob@localhost/pc");
    await bob.process(chat("alice@localhost", "m2", "hello there"));
    await until(() => publishes.length === 1);
    const fields = summary(publishes[0]!);
    expect(fields["last-message-sender"]).toBe("bob@localhost/pc");
    expect(fields["last-message-body"]).toBe("hello there");
    // The message is still kept offline.
    const offline = await s.t.server.storage.open("localhost", "offline", "archive");
    expect((await offline.find("alice")).items).toHaveLength(1);
  });

  it("disables a registration after push_max_errors error replies, not counting wait errors", async () => {
    const s = await mobileServer(["cloud_notify"], { push_max_errors: 2 } as never);
    let kind: "cancel" | "wait" = "wait";
    const { publishes } = appServer(
      (jid) => s.t.connect(jid),
      (stanza) => errorReply(stanza, kind, kind === "wait" ? "resource-constraint" : "item-not-found"),
    );
    const alice = s.t.connect("alice@localhost/phone");
    await alice.process(
      iq({ type: "set", id: "en" }).c("enable", { xmlns: NS_PUSH, jid: APP, node: "n1" }).root(),
    );
    expect(alice.received.find((r) => r.attrs.id === "en")?.attrs.type).toBe("result");
    alice.close();
    const bob = s.t.connect("bob@localhost/pc");
    const send = async (n: number) => {
      await bob.process(chat("alice@localhost", `e${n}`, `x${n}`));
      await until(() => publishes.length === n);
      await pause(20);
    };
    await send(1);
    await send(2);
    kind = "cancel";
    await send(3);
    await send(4);
    const store = await s.t.server.storage.open("localhost", "cloud_notify", "keyval");
    expect(await store.get("alice")).toBeUndefined();
    await bob.process(chat("alice@localhost", "e5", "x5"));
    await pause(50);
    expect(publishes).toHaveLength(4);
  });

  it("disables by jid (and node), and answers bad-request without a jid", async () => {
    const s = await mobileServer(["cloud_notify"]);
    const { publishes } = appServer(
      (jid) => s.t.connect(jid),
      (stanza) => reply(stanza),
    );
    const alice = s.t.connect("alice@localhost/phone");
    for (const node of ["n1", "n2"]) {
      await alice.process(
        iq({ type: "set", id: node }).c("enable", { xmlns: NS_PUSH, jid: APP, node }).root(),
      );
    }
    await alice.process(
      iq({ type: "set", id: "d1" }).c("disable", { xmlns: NS_PUSH, jid: APP, node: "n1" }).root(),
    );
    expect(alice.received.find((r) => r.attrs.id === "d1")?.attrs.type).toBe("result");
    await alice.process(iq({ type: "set", id: "bad" }).c("enable", { xmlns: NS_PUSH, node: "n3" }).root());
    expect(alice.received.find((r) => r.attrs.id === "bad")?.toString()).toContain("bad-request");
    alice.close();
    const bob = s.t.connect("bob@localhost/pc");
    await bob.process(chat("alice@localhost", "o1", "one"));
    await until(() => publishes.length === 1);
    await pause(20);
    expect(publishes).toHaveLength(1);
    expect(publishes[0]!.getChild("pubsub", NS_PUBSUB)?.getChild("publish")?.attrs.node).toBe("n2");
    const again = s.t.connect("alice@localhost/phone2");
    await again.process(iq({ type: "set", id: "d2" }).c("disable", { xmlns: NS_PUSH, jid: APP }).root());
    again.close();
    await bob.process(chat("alice@localhost", "o2", "two"));
    await pause(50);
    expect(publishes).toHaveLength(1);
  });

  it("forgets a deleted account's registrations", async () => {
    const s = await mobileServer(["cloud_notify"]);
    const alice = s.t.connect("alice@localhost/phone");
    await alice.process(iq({ type: "set", id: "en" }).c("enable", { xmlns: NS_PUSH, jid: APP }).root());
    const store = await s.t.server.storage.open("localhost", "cloud_notify", "keyval");
    expect(await store.get("alice")).toBeDefined();
    await s.t.server.host("localhost")!.events.fire("user-deleted", { username: "alice", host: "localhost" });
    expect(await store.get("alice")).toBeUndefined();
  });
});
