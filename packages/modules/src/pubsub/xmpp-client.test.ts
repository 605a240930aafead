import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { XmlElement } from "@xmpp/client";
import { type CantoConfig, createTestServer, type TestServer } from "canto";
import { afterEach, describe, expect, it } from "vitest";
import { createAccount } from "../auth/accounts.js";
import { authModules } from "../auth/index.js";
import { extensionsModules } from "../extensions/index.js";
import { imModules } from "../im/index.js";
import type { C2sApi } from "../transport/c2s.js";
import { transportModules } from "../transport/index.js";
import { until } from "../transport/transport.test-helper.js";
import { pubsubModules } from "./index.js";

// End to end: two accounts with @xmpp/client 0.14 over TCP, a pubsub component, one node.

const PUBSUB = "http://jabber.org/protocol/pubsub";
const EVENT = "http://jabber.org/protocol/pubsub#event";

let server: { t: TestServer; dataPath: string } | undefined;
const clients: { stop(): Promise<unknown> }[] = [];
afterEach(async () => {
  for (const c of clients.splice(0)) await c.stop().catch(() => {});
  await server?.t.stop();
  if (server) await rm(server.dataPath, { recursive: true, force: true });
  server = undefined;
});

async function start(): Promise<number> {
  const dataPath = await mkdtemp(join(tmpdir(), "canto-pubsub-e2e-"));
  const t = await createTestServer({
    modules: { ...transportModules, ...authModules, ...imModules, ...extensionsModules, ...pubsubModules },
    config: {
      data_path: dataPath,
      c2s_ports: [0],
      modules_enabled: ["c2s", "auth_internal_hashed", "saslauth", "bind", "roster", "disco"],
      hosts: {
        localhost: {
          c2s_require_encryption: false,
          // The client derives SCRAM keys in plain JS: the lowest allowed count keeps the test quick.
          scram_iteration_count: 4096,
        },
      },
      components: { "pubsub.localhost": { module: "pubsub" } },
    } as CantoConfig,
  });
  server = { t, dataPath };
  await createAccount(t.server, "localhost", "alice", "alice-pw");
  await createAccount(t.server, "localhost", "bob", "bob-pw");
  const api = t.server.global.modules.get("c2s")?.exports as C2sApi;
  const port = api.listeners().find((l) => l.kind === "c2s")?.port;
  if (port === undefined) throw new Error("c2s listens nowhere");
  return port;
}

async function login(port: number, username: string, password: string) {
  const { client, xml } = await import("@xmpp/client");
  const xmpp = client({ service: `xmpp://127.0.0.1:${port}`, domain: "localhost", username, password });
  xmpp.on("error", () => {});
  const received: XmlElement[] = [];
  xmpp.on("stanza", (stanza: XmlElement) => received.push(stanza));
  clients.push(xmpp);
  const jid = String(await xmpp.start());
  return { xmpp, xml, received, jid };
}

describe("pubsub with @xmpp/client 0.14", () => {
  it("publishes to a component node and a subscriber on another account gets the notification", async () => {
    const port = await start();
    const alice = await login(port, "alice", "alice-pw");
    const bob = await login(port, "bob", "bob-pw");
    const { xml } = alice;

    await alice.xmpp.iqCaller.request(
      xml(
        "iq",
        { type: "set", to: "pubsub.localhost" },
        xml("pubsub", { xmlns: PUBSUB }, xml("create", { node: "news" })),
      ),
    );
    const subscribed = await bob.xmpp.iqCaller.request(
      xml(
        "iq",
        { type: "set", to: "pubsub.localhost" },
        xml("pubsub", { xmlns: PUBSUB }, xml("subscribe", { node: "news", jid: bob.jid })),
      ),
    );
    expect(subscribed.getChild("pubsub", PUBSUB)?.getChild("subscription")?.attrs.subscription).toBe(
      "subscribed",
    );

    const published = await alice.xmpp.iqCaller.request(
      xml(
        "iq",
        { type: "set", to: "pubsub.localhost" },
        xml(
          "pubsub",
          { xmlns: PUBSUB },
          xml(
            "publish",
            { node: "news" },
            xml(
              "item",
              { id: "first" },
              xml("entry", { xmlns: "http://www.w3.org/2005/Atom" }, xml("title", {}, "Hi")),
            ),
          ),
        ),
      ),
    );
    expect(published.getChild("pubsub", PUBSUB)?.getChild("publish")?.getChild("item")?.attrs.id).toBe(
      "first",
    );

    await until(() => bob.received.some((s) => s.is("message")), 5000);
    const note = bob.received.find((s) => s.is("message"))!;
    expect(note.attrs.from).toBe("pubsub.localhost");
    const item = note.getChild("event", EVENT)?.getChild("items")?.getChild("item");
    expect(item?.attrs.id).toBe("first");
    expect(item?.getChild("entry")?.getChildText("title")).toBe("Hi");
    // The publisher is not subscribed: nothing for alice.
    expect(alice.received.some((s) => s.is("message"))).toBe(false);
  }, 30_000);
});
