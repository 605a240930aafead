import { type Element, message } from "canto";
import { afterEach, describe, expect, it } from "vitest";
import { type C2sSession, NS } from "../shared/contracts.js";
import { RawClient } from "../transport/raw-client.test-helper.js";
import { NS_SM } from "../transport/smacks-state.js";
import { FEATURES, until } from "../transport/transport.test-helper.js";
import {
  authenticate,
  BIND,
  FRAMING,
  login,
  plain,
  SASL,
  type Started,
  startServer,
  WsClient,
} from "./websocket.test-helper.js";

// Stream resumption (XEP-0198) over WebSocket: smacks with websocket, raw RFC 7395 clients.

const ALICE = "alice@localhost/tab";

let current: Started | undefined;
const clients: WsClient[] = [];
const tcpClients: RawClient[] = [];
afterEach(async () => {
  for (const client of clients.splice(0)) client.terminate();
  for (const client of tcpClients.splice(0)) client.destroy();
  await current?.t.stop();
  current = undefined;
});

async function server(
  hostOptions: Record<string, unknown> = {},
  extra: Parameters<typeof startServer>[1] = {},
): Promise<Started> {
  current = await startServer(hostOptions, {
    ...extra,
    enabled: ["smacks", "offline", ...(extra.enabled ?? [])],
  });
  return current;
}

async function client(url: string, options: { autoPong?: boolean } = {}): Promise<WsClient> {
  const c = await WsClient.connect(url, ["xmpp"], options);
  clients.push(c);
  return c;
}

/** A new WebSocket: logs in as alice, binds `tab` and enables stream management with resumption. */
async function enabledClient(s: Started, options: { autoPong?: boolean } = {}) {
  const c = await client(s.url, options);
  expect(await login(c, "alice", "secret", "tab")).toBe(ALICE);
  c.send(`<enable xmlns="${NS_SM}" resume="true"/>`);
  const enabled = await c.next((e) => e.is("enabled", NS_SM));
  return { c, enabled, id: enabled.attrs.id as string };
}

/** A new WebSocket authenticated as alice, not bound, that sends `<resume previd h/>`. */
async function resuming(s: Started, id: string, h: number): Promise<WsClient> {
  const c = await client(s.url);
  await authenticate(c, "alice", "secret");
  c.send(`<resume xmlns="${NS_SM}" previd="${id}" h="${h}"/>`);
  return c;
}

/** The server's session bound as `jid` (a resumed one is listed beside the WebSocket carrying it). */
function sessionOf(s: Started, jid = ALICE) {
  return s.api.sessions().find((session) => session.fullJid === jid) as
    | (C2sSession & { hibernating?: boolean })
    | undefined;
}

const chat = (to: string, body: string) => message({ to, type: "chat", id: body }).c("body").t(body).root();

/** The bodies of the messages a client has received so far, in order. */
const bodies = (c: WsClient) =>
  c.messages.flatMap((text) => /^<message[^>]*>.*<body>([^<]*)<\/body>/.exec(text)?.[1] ?? []);

function countUnbinds(s: Started): () => number {
  let unbound = 0;
  s.t.server.host("localhost")!.events.hook("resource-unbind", () => {
    unbound++;
  });
  return () => unbound;
}

/** Waits for `<resumed/>`, then for the `<r/>` smacks sends after what it sent again. */
async function resumedWithReplay(c: WsClient): Promise<Element> {
  const resumed = await c.next((e) => e.is("resumed", NS_SM));
  await c.next((e) => e.is("r", NS_SM));
  return resumed;
}

describe("websocket: stream resumption (XEP-0198)", () => {
  it("hibernates a session whose TCP connection is cut and resumes it on a new WebSocket", async () => {
    const s = await server();
    const unbound = countUnbinds(s);
    const bob = s.t.connect("bob@localhost/desk");
    const { c, enabled, id } = await enabledClient(s);
    expect(enabled.attrs).toMatchObject({ resume: "true", max: "600" });
    expect(id).toMatch(/^[A-Za-z0-9_-]{24}$/);
    const original = s.t.server.sessions.full(ALICE);

    await bob.process(chat(ALICE, "m1"));
    await c.next((e) => e.name === "message");
    expect(bodies(c)).toEqual(["m1"]);
    // Cut the TCP connection: no <close/>, no WebSocket close frame.
    c.terminate();
    await until(() => sessionOf(s)?.hibernating === true);
    expect(unbound()).toBe(0);
    expect(s.t.server.sessions.full(ALICE)).toBe(original);
    // Sent while it hibernates: queued behind the unacknowledged m1.
    await bob.process(chat(ALICE, "m2"));
    await bob.process(chat(ALICE, "m3"));

    const again = await resuming(s, id, 0);
    const resumed = await resumedWithReplay(again);
    expect(resumed.attrs).toMatchObject({ h: "0", previd: id });
    // Everything unacknowledged, once each, in order, after <resumed/>.
    expect(bodies(again)).toEqual(["m1", "m2", "m3"]);
    const order = again.messages.map((text) => text.slice(0, 8));
    expect(order.indexOf("<resumed")).toBeLessThan(order.indexOf("<message"));
    expect(sessionOf(s)?.hibernating).toBe(false);
    expect(s.t.server.sessions.full(ALICE)).toBe(original);
    expect(unbound()).toBe(0);

    // Acknowledged now: what follows comes alone, nothing is sent twice.
    again.send(`<a xmlns="${NS_SM}" h="3"/>`);
    await bob.process(chat(ALICE, "m4"));
    await again.next((e) => e.name === "message");
    expect(bodies(again)).toEqual(["m1", "m2", "m3", "m4"]);
    // The new WebSocket speaks as the resumed session: its stanzas are alice@localhost/tab's, counted.
    again.send(
      `<message xmlns="jabber:client" type="chat" to="bob@localhost/desk"><body>back</body></message>`,
    );
    const back = await bob.next();
    expect(back.attrs.from).toBe(ALICE);
    expect(back.getChildText("body")).toBe("back");
    again.send(`<r xmlns="${NS_SM}"/>`);
    expect((await again.next((e) => e.is("a", NS_SM))).attrs.h).toBe("1");
  });

  it("hibernates again when the resumed session's WebSocket drops, and resumes once more", async () => {
    const s = await server();
    const unbound = countUnbinds(s);
    const bob = s.t.connect("bob@localhost/desk");
    const { c, id } = await enabledClient(s);
    c.terminate();
    await until(() => sessionOf(s)?.hibernating === true);
    const second = await resuming(s, id, 0);
    await second.next((e) => e.is("resumed", NS_SM));
    await bob.process(chat(ALICE, "one"));
    await second.next((e) => e.name === "message");

    // Not acknowledged: "one" is still queued when the second WebSocket's TCP connection goes too.
    second.socket.terminate();
    await until(() => sessionOf(s)?.hibernating === true);
    expect(unbound()).toBe(0);
    await bob.process(chat(ALICE, "two"));
    const third = await resuming(s, id, 0);
    expect((await resumedWithReplay(third)).attrs.previd).toBe(id);
    expect(bodies(third)).toEqual(["one", "two"]);
    expect(unbound()).toBe(0);
    // Only the session and the WebSocket carrying it are left: the dead carriers are forgotten.
    expect(s.api.sessions()).toHaveLength(2);

    // A clean close of the carrier now ends the session for good.
    third.send(`<close xmlns="${FRAMING}"/>`);
    await third.next((e) => e.is("close", FRAMING));
    expect(await third.closed).toBe(1000);
    await until(() => unbound() === 1);
    expect(s.t.server.sessions.full(ALICE)).toBeUndefined();
    await until(() => s.api.sessions().length === 0);
  });

  it("takes a session over from a WebSocket the server still has open, with a conflict for the old one", async () => {
    const s = await server();
    const unbound = countUnbinds(s);
    const bob = s.t.connect("bob@localhost/desk");
    const { c, id } = await enabledClient(s);
    await bob.process(chat(ALICE, "early"));
    await c.next((e) => e.name === "message");
    const again = await resuming(s, id, 0);
    await resumedWithReplay(again);
    expect(bodies(again)).toEqual(["early"]);
    const error = await c.next((e) => e.is("error", NS.streams));
    expect(error.getChildElements()[0]?.name).toBe("conflict");
    expect(await c.closed).toBe(1000);
    // The old WebSocket's close neither ended nor hibernated the session, and reads nothing more.
    await bob.process(chat(ALICE, "later"));
    await again.next((e) => e.name === "message");
    expect(bodies(again)).toEqual(["early", "later"]);
    expect(sessionOf(s)?.hibernating).toBe(false);
    expect(unbound()).toBe(0);
  });

  it("does not hibernate after a clean <close/>: a later <resume/> gets item-not-found", async () => {
    const s = await server();
    const unbound = countUnbinds(s);
    const { c, id } = await enabledClient(s);
    c.send(`<close xmlns="${FRAMING}"/>`);
    await c.next((e) => e.is("close", FRAMING));
    expect(await c.closed).toBe(1000);
    await until(() => unbound() === 1);
    expect(s.t.server.sessions.full(ALICE)).toBeUndefined();
    await until(() => s.api.sessions().length === 0);
    const again = await resuming(s, id, 0);
    const failed = await again.next((e) => e.is("failed", NS_SM));
    expect(failed.getChildElements()[0]?.name).toBe("item-not-found");
  });

  it("hibernates after a WebSocket close frame without <close/>", async () => {
    const s = await server();
    const unbound = countUnbinds(s);
    const { c, id } = await enabledClient(s);
    c.close();
    expect(await c.closed).toBe(1005);
    await until(() => sessionOf(s)?.hibernating === true);
    expect(unbound()).toBe(0);
    const again = await resuming(s, id, 0);
    expect((await again.next((e) => e.is("resumed", NS_SM))).attrs.previd).toBe(id);
  });

  it("ends a session that hibernates too long and stores its unacknowledged chat offline", async () => {
    const s = await server({ smacks_hibernation_time: 30 });
    const unbound = countUnbinds(s);
    const bob = s.t.connect("bob@localhost/desk");
    const { c, enabled, id } = await enabledClient(s);
    expect(enabled.attrs.max).toBe("30");
    await bob.process(chat(ALICE, "delivered-not-acked"));
    await c.next((e) => e.name === "message");
    c.terminate();
    await until(() => sessionOf(s)?.hibernating === true);
    await bob.process(chat(ALICE, "while-away"));
    await s.t.clock.advance(29);
    expect(unbound()).toBe(0);
    await s.t.clock.advance(2);
    await until(() => unbound() === 1);
    expect(s.t.server.sessions.full(ALICE)).toBeUndefined();
    await until(() => s.api.sessions().length === 0);

    const late = await resuming(s, id, 0);
    expect((await late.next((e) => e.is("failed", NS_SM))).getChildElements()[0]?.name).toBe(
      "item-not-found",
    );
    const back = await client(s.url);
    await login(back, "alice", "secret", "laptop");
    back.send("<presence/>");
    await back.next((e) => e.name === "message" && e.getChildText("body") === "while-away");
    expect(bodies(back)).toEqual(["delivered-not-acked", "while-away"]);
    const stored = back.messages.find((text) => text.includes("while-away")) ?? "";
    expect(stored).toContain('from="bob@localhost/desk"');
    expect(stored).toMatch(/<delay xmlns="urn:xmpp:delay"/);
  });

  it("cuts a bound connection that leaves a ping unanswered, and the session hibernates", async () => {
    const s = await server({ c2s_idle_timeout: 60 });
    const { c, id } = await enabledClient(s, { autoPong: false });
    const pinged = new Promise<void>((resolve) => c.socket.once("ping", () => resolve()));
    await s.t.clock.advance(61);
    await pinged;
    await s.t.clock.advance(61);
    // Cut without a closing handshake: 1006 on the client.
    expect(await c.closed).toBe(1006);
    await until(() => sessionOf(s)?.hibernating === true);
    const again = await resuming(s, id, 0);
    expect((await again.next((e) => e.is("resumed", NS_SM))).attrs.previd).toBe(id);
  });

  it("resumes across transports both ways: a WebSocket session over TCP, a TCP session over WebSocket", async () => {
    const s = await server(
      { smacks_hibernation_time: 30, c2s_require_encryption: false, allow_unencrypted_plain_auth: true },
      { enabled: ["c2s"], global: { c2s_ports: [0], c2s_direct_tls_ports: [] } },
    );
    const unbound = countUnbinds(s);
    const bob = s.t.connect("bob@localhost/desk");
    const c2s = s.t.server.global.modules.get("c2s")?.exports as {
      listeners(): { kind: string; port: number }[];
      sessions(): (C2sSession & { hibernating?: boolean })[];
    };
    const port = c2s.listeners().find((l) => l.kind === "c2s")?.port ?? 0;
    const tcp = async () => {
      const raw = await RawClient.connect(port);
      tcpClients.push(raw);
      raw.open();
      await raw.waitFor(FEATURES);
      raw.write(`<auth xmlns='${SASL}' mechanism='PLAIN'>${plain("alice", "secret")}</auth>`);
      await raw.waitFor("<success");
      raw.clear();
      raw.open();
      await raw.waitFor(FEATURES);
      raw.clear();
      return raw;
    };
    const tcpBodies = (raw: RawClient) => [...raw.text.matchAll(/<body>([^<]*)<\/body>/g)].map((m) => m[1]);

    // A WebSocket session, its connection cut with m1 unacknowledged and m2 sent while it hibernates.
    const { c, id } = await enabledClient(s);
    const original = s.t.server.sessions.full(ALICE);
    await bob.process(chat(ALICE, "m1"));
    await c.next((e) => e.name === "message");
    c.terminate();
    await until(() => sessionOf(s)?.hibernating === true);
    await bob.process(chat(ALICE, "m2"));
    // ... resumed over TCP: the unacknowledged stanzas once each, in order, after <resumed/>.
    const overTcp = await tcp();
    overTcp.write(`<resume xmlns='${NS_SM}' previd='${id}' h='0'/>`);
    await overTcp.waitFor(/<resumed [^>]*\/>[\s\S]*<body>m2<\/body>[\s\S]*<r xmlns/);
    expect(overTcp.text).toMatch(new RegExp(`<resumed[^>]*previd="${id}"`));
    expect(tcpBodies(overTcp)).toEqual(["m1", "m2"]);
    expect(overTcp.text.indexOf("<resumed")).toBeLessThan(overTcp.text.indexOf("<message"));
    expect(s.t.server.sessions.full(ALICE)).toBe(original);
    expect(sessionOf(s)?.hibernating).toBe(false);
    // The TCP connection speaks as the resumed session, in TCP framing (no per-element xmlns).
    overTcp.write(`<message type='chat' to='bob@localhost/desk'><body>from tcp</body></message>`);
    const back = await bob.next();
    expect(back.attrs.from).toBe(ALICE);
    expect(back.getChildText("body")).toBe("from tcp");
    overTcp.write(`<a xmlns='${NS_SM}' h='2'/>`);
    await bob.process(chat(ALICE, "m3"));
    await overTcp.waitFor("<body>m3</body>");
    expect(tcpBodies(overTcp)).toEqual(["m1", "m2", "m3"]);

    // A TCP session, dropped with p1 unacknowledged and p2 sent while it hibernates ...
    const phone = await tcp();
    phone.write(`<iq type='set' id='b1'><bind xmlns='${BIND}'><resource>phone</resource></bind></iq>`);
    await phone.waitFor("</iq>");
    phone.write(`<enable xmlns='${NS_SM}' resume='true'/>`);
    const tcpId = /<enabled [^>]*id="([^"]+)"/.exec(await phone.waitFor("<enabled"))?.[1] ?? "";
    const phoneJid = "alice@localhost/phone";
    const phoneSession = s.t.server.sessions.full(phoneJid);
    await bob.process(chat(phoneJid, "p1"));
    await phone.waitFor("<body>p1</body>");
    phone.destroy();
    await until(() => c2s.sessions().some((x) => x.fullJid === phoneJid && x.hibernating));
    await bob.process(chat(phoneJid, "p2"));
    // ... resumed over WebSocket, each stanza serialised for its new framing.
    const overWs = await resuming(s, tcpId, 0);
    expect((await resumedWithReplay(overWs)).attrs.previd).toBe(tcpId);
    expect(bodies(overWs)).toEqual(["p1", "p2"]);
    expect(
      overWs.messages
        .filter((m) => m.startsWith("<message"))
        .every((m) => m.includes('xmlns="jabber:client"')),
    ).toBe(true);
    expect(s.t.server.sessions.full(phoneJid)).toBe(phoneSession);
    // Nothing was unbound on the way: both sessions lived on.
    expect(unbound()).toBe(0);
  });
});
