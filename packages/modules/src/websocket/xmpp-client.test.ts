import type { EventEmitter } from "node:events";
import type { XmlElement as XmppElement } from "@xmpp/client";
import { message } from "canto";
import { afterEach, describe, expect, it } from "vitest";
import { until } from "../transport/transport.test-helper.js";
import { lendWebSocketGlobal, type Started, startServer } from "./websocket.test-helper.js";
import type { WebSocketSession } from "./websocket-session.js";

lendWebSocketGlobal();

let current: Started | undefined;
afterEach(async () => {
  await current?.t.stop();
  current = undefined;
});

describe("websocket with @xmpp/client 0.14", () => {
  it("logs in over ws://, chats with a local user and closes cleanly", async () => {
    // The client derives SCRAM keys in plain JS: the lowest allowed count keeps the test quick.
    current = await startServer({ scram_iteration_count: 4096 });
    const { t, url, api } = current;
    const bob = t.connect("bob@localhost/desk");
    const { client, xml } = await import("@xmpp/client");
    const xmpp = client({ service: url, domain: "localhost", username: "alice", password: "secret" });
    const errors: unknown[] = [];
    xmpp.on("error", (error: unknown) => errors.push(error));
    const received: XmppElement[] = [];
    xmpp.on("stanza", (stanza: XmppElement) => received.push(stanza));

    const jid = await xmpp.start();
    expect(String(jid)).toMatch(/^alice@localhost\/.+/);
    expect(api.sessions()[0]?.fullJid).toBe(String(jid));

    await xmpp.send(
      xml("message", { to: "bob@localhost/desk", type: "chat" }, xml("body", {}, "hello from a browser")),
    );
    const got = await bob.next();
    expect(got.getChildText("body")).toBe("hello from a browser");
    expect(got.attrs.from).toBe(String(jid));

    await bob.process(
      message({ to: String(jid), type: "chat" })
        .c("body")
        .t("hello back")
        .root(),
    );
    const deadline = Date.now() + 3000;
    while (!received.some((s) => s.name === "message") && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    const answer = received.find((s) => s.name === "message");
    expect(answer?.getChildText("body")).toBe("hello back");
    expect(answer?.attrs.from).toBe("bob@localhost/desk");

    await xmpp.stop();
    const end = Date.now() + 3000;
    while (api.sessions().length > 0 && Date.now() < end) await new Promise((r) => setTimeout(r, 10));
    expect(api.sessions()).toHaveLength(0);
    expect(errors).toEqual([]);
  });

  it("resumes its stream management session (XEP-0198) after the connection is cut", async () => {
    current = await startServer({ scram_iteration_count: 4096 }, { enabled: ["smacks"] });
    const { t, url, api } = current;
    const bob = t.connect("bob@localhost/desk");
    const { client, xml } = await import("@xmpp/client");
    const xmpp = client({ service: url, domain: "localhost", username: "alice", password: "secret" });
    // Not in Canto's typings of 0.14: the stream management and reconnect plugins.
    const { streamManagement: sm, reconnect } = xmpp as unknown as {
      streamManagement: EventEmitter & { id: string; enabled: boolean };
      reconnect: { stop(): void; reconnect(): Promise<void> };
    };
    const errors: unknown[] = [];
    xmpp.on("error", (error: unknown) => errors.push(error));
    const bodies: string[] = [];
    xmpp.on("stanza", (stanza: XmppElement) => {
      if (stanza.name === "message") bodies.push(stanza.getChildText("body") ?? "");
    });
    const disconnected = new Promise<void>((resolve) => xmpp.once("disconnect", () => resolve()));
    const resumed = new Promise<void>((resolve) => sm.once("resumed", () => resolve()));

    const jid = String(await xmpp.start());
    await until(() => sm.enabled && sm.id !== "");
    await bob.process(message({ to: jid, type: "chat" }).c("body").t("before").root());
    await until(() => bodies.length === 1);
    // Reconnect when told to, not on the client's own timer: the message below must find the session
    // hibernating.
    reconnect.stop();
    const session = api.sessions()[0] as WebSocketSession;
    session.destroy(); // the TCP connection is cut, as a network would
    await disconnected;
    await until(() => session.hibernating);
    await bob.process(message({ to: jid, type: "chat" }).c("body").t("while away").root());

    await reconnect.reconnect();
    await resumed;
    // The client acknowledged "before" in <resume h/>: only "while away" comes again, once.
    await until(() => bodies.length === 2);
    expect(bodies).toEqual(["before", "while away"]);
    expect(session.hibernating).toBe(false);
    expect(t.server.sessions.full(jid)).toBe(session);
    // The resumed stream goes on as the same resource.
    await xmpp.send(xml("message", { to: "bob@localhost/desk", type: "chat" }, xml("body", {}, "back")));
    const got = await bob.next();
    expect(got.attrs.from).toBe(jid);
    expect(got.getChildText("body")).toBe("back");

    await xmpp.stop();
    await until(() => api.sessions().length === 0);
    expect(bodies).toEqual(["before", "while away"]);
    expect(errors).toEqual([]);
  });
});
