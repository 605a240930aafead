import type { XmlElement as XmppElement } from "@xmpp/client";
import { type Element, message, presence, reply } from "canto";
import { afterEach, describe, expect, it } from "vitest";
import { until } from "../transport/transport.test-helper.js";
import { lendWebSocketGlobal, type Started, startServer } from "../websocket/websocket.test-helper.js";
import { NS_CSI } from "./csi_simple.js";
import { mobileModules } from "./index.js";
import { NS_PUBSUB, NS_PUSH } from "./push-summary.js";

lendWebSocketGlobal();

let current: Started | undefined;
afterEach(async () => {
  await current?.t.stop();
  current = undefined;
});

describe("csi_simple and cloud_notify with @xmpp/client 0.14 (over WebSocket)", () => {
  it("holds presence while inactive, releases it before a message, then pushes once the client is gone", async () => {
    current = await startServer(
      { scram_iteration_count: 4096 },
      { enabled: ["csi_simple", "cloud_notify"], modules: mobileModules },
    );
    const { t, url } = current;
    const bob = t.connect("bob@localhost/desk");
    const app = t.connect("push@localhost/app");
    const publishes: Element[] = [];
    app.onStanza = (stanza) => {
      if (stanza.name !== "iq" || stanza.attrs.type !== "set") return;
      publishes.push(stanza);
      void app.process(reply(stanza));
    };
    const { client, xml } = await import("@xmpp/client");
    const xmpp = client({ service: url, domain: "localhost", username: "alice", password: "secret" });
    const received: XmppElement[] = [];
    xmpp.on("stanza", (stanza: XmppElement) => received.push(stanza));
    xmpp.on("error", () => {});
    const jid = String(await xmpp.start());

    await xmpp.send(xml("inactive", { xmlns: NS_CSI }));
    await new Promise((resolve) => setTimeout(resolve, 50));
    await bob.process(presence({ to: jid, id: "away" }).c("show").t("away").root());
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(received.some((s) => s.attrs.id === "away")).toBe(false);
    await bob.process(message({ to: jid, type: "chat", id: "wake" }).c("body").t("are you there?").root());
    await until(() => received.some((s) => s.attrs.id === "wake"));
    const order = received.map((s) => s.attrs.id);
    expect(order.indexOf("away")).toBeGreaterThanOrEqual(0);
    expect(order.indexOf("away")).toBeLessThan(order.indexOf("wake"));

    // Rejects on an error answer.
    const answer = await xmpp.iqCaller.request(
      xml(
        "iq",
        { type: "set" },
        xml("enable", { xmlns: NS_PUSH, jid: "push@localhost/app", node: "phone-1" }),
      ),
    );
    expect(answer.attrs.type).toBe("result");
    await xmpp.stop();
    await until(() => t.server.sessions.full(jid) === undefined);
    await bob.process(
      message({ to: "alice@localhost", type: "chat", id: "later" }).c("body").t("call me").root(),
    );
    await until(() => publishes.length === 1);
    const publish = publishes[0]!.getChild("pubsub", NS_PUBSUB)?.getChild("publish");
    expect(publish?.attrs.node).toBe("phone-1");
    expect(publishes[0]!.toString()).not.toContain("call me");
  });
});
