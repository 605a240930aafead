import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { XmlElement as XmppElement } from "@xmpp/client";
import { type CantoConfig, createTestServer, type TestServer } from "canto";
import { afterEach, describe, expect, it } from "vitest";
import { createAccount } from "../auth/accounts.js";
import { authModules } from "../auth/index.js";
import type { C2sApi } from "../transport/c2s.js";
import { transportModules } from "../transport/index.js";
import { until } from "../transport/transport.test-helper.js";
import { mucModules } from "./index.js";

// Two real clients (@xmpp/client over TCP) in one room: create, chat, kick.

const ROOM = "coven@conference.localhost";
const USER = "http://jabber.org/protocol/muc#user";

let server: { t: TestServer; dataPath: string } | undefined;
afterEach(async () => {
  await server?.t.stop();
  if (server) await rm(server.dataPath, { recursive: true, force: true });
  server = undefined;
});

async function start(): Promise<number> {
  const dataPath = await mkdtemp(join(tmpdir(), "canto-muc-e2e-"));
  const t = await createTestServer({
    modules: { ...transportModules, ...authModules, ...mucModules },
    config: {
      data_path: dataPath,
      c2s_ports: [0],
      modules_enabled: ["c2s", "auth_internal_hashed", "saslauth", "bind"],
      // The client derives SCRAM keys in plain JS: the lowest allowed count keeps the test quick.
      hosts: { localhost: { c2s_require_encryption: false, scram_iteration_count: 4096 } },
      components: { "conference.localhost": { module: "muc" } },
    } as CantoConfig,
  });
  server = { t, dataPath };
  const api = t.server.global.modules.get("c2s")?.exports as C2sApi;
  const port = api.listeners().find((l) => l.kind === "c2s")?.port;
  if (port === undefined) throw new Error("c2s listens nowhere");
  await createAccount(t.server, "localhost", "alice", "pw-alice");
  await createAccount(t.server, "localhost", "bob", "pw-bob");
  return port;
}

async function login(port: number, username: string) {
  const { client, xml } = await import("@xmpp/client");
  const xmpp = client({
    service: `xmpp://127.0.0.1:${port}`,
    domain: "localhost",
    username,
    password: `pw-${username}`,
  });
  const errors: unknown[] = [];
  xmpp.on("error", (error: unknown) => errors.push(error));
  const received: XmppElement[] = [];
  xmpp.on("stanza", (stanza: XmppElement) => received.push(stanza));
  const jid = String(await xmpp.start());
  return { xmpp, xml, received, errors, jid };
}

const codesOf = (stanza: XmppElement | undefined) =>
  (stanza?.getChild("x", USER)?.getChildren("status") ?? []).map((s) => s.attrs.code);

describe("muc with @xmpp/client 0.14", () => {
  it("two clients join a room, chat, and one is kicked", async () => {
    const port = await start();
    const alice = await login(port, "alice");
    const bob = await login(port, "bob");
    const { xml } = alice;
    const selfPresence = (c: typeof alice, nick: string) =>
      c.received.findLast((s) => s.name === "presence" && s.attrs.from === `${ROOM}/${nick}`);

    await alice.xmpp.send(
      xml("presence", { to: `${ROOM}/Alice` }, xml("x", { xmlns: "http://jabber.org/protocol/muc" })),
    );
    await until(() => codesOf(selfPresence(alice, "Alice")).includes("201"));
    // An instant room: the empty form unlocks it.
    await alice.xmpp.iqCaller.request(
      xml(
        "iq",
        { type: "set", to: ROOM },
        xml(
          "query",
          { xmlns: "http://jabber.org/protocol/muc#owner" },
          xml("x", { xmlns: "jabber:x:data", type: "submit" }),
        ),
      ),
    );

    await bob.xmpp.send(
      xml("presence", { to: `${ROOM}/Bob` }, xml("x", { xmlns: "http://jabber.org/protocol/muc" })),
    );
    await until(() => codesOf(selfPresence(bob, "Bob")).includes("110"));
    await until(() => selfPresence(alice, "Bob") !== undefined);
    expect(selfPresence(alice, "Bob")?.getChild("x", USER)?.getChild("item")?.attrs).toMatchObject({
      role: "participant",
      jid: bob.jid,
    });

    await alice.xmpp.send(xml("message", { to: ROOM, type: "groupchat" }, xml("body", {}, "Welcome, Bob")));
    await until(() =>
      bob.received.some((s) => s.name === "message" && s.getChildText("body") === "Welcome, Bob"),
    );
    const got = bob.received.find((s) => s.getChildText("body") === "Welcome, Bob")!;
    expect(got.attrs.from).toBe(`${ROOM}/Alice`);

    await alice.xmpp.iqCaller.request(
      xml(
        "iq",
        { type: "set", to: ROOM },
        xml(
          "query",
          { xmlns: "http://jabber.org/protocol/muc#admin" },
          xml("item", { nick: "Bob", role: "none" }, xml("reason", {}, "Be gone")),
        ),
      ),
    );
    await until(() => codesOf(selfPresence(bob, "Bob")).includes("307"));
    const kicked = selfPresence(bob, "Bob")!;
    expect(kicked.attrs.type).toBe("unavailable");
    expect(kicked.getChild("x", USER)?.getChild("item")?.getChildText("reason")).toBe("Be gone");
    await until(() => selfPresence(alice, "Bob")?.attrs.type === "unavailable");

    // Bob is out: his groupchat is refused.
    await bob.xmpp.send(xml("message", { to: ROOM, type: "groupchat", id: "late" }, xml("body", {}, "wait")));
    await until(() => bob.received.some((s) => s.attrs.id === "late" && s.attrs.type === "error"));

    await alice.xmpp.stop();
    await bob.xmpp.stop();
    expect([...alice.errors, ...bob.errors]).toEqual([]);
  }, 20_000);
});
