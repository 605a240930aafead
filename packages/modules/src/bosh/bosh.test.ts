import { message } from "canto";
import { afterEach, describe, expect, it } from "vitest";
import { createAccount } from "../auth/index.js";
import { WsClient, login as wsLogin } from "../websocket/websocket.test-helper.js";
import {
  authenticate,
  BoshClient,
  login,
  plain,
  SASL,
  type Started,
  startBoshServer,
} from "./bosh.test-helper.js";
import { NS_HTTPBIND, NS_XBOSH } from "./bosh-body.js";

let current: Started | undefined;
const sockets: WsClient[] = [];
afterEach(async () => {
  for (const ws of sockets.splice(0)) ws.terminate();
  await current?.t.stop();
  current = undefined;
});

async function server(...args: Parameters<typeof startBoshServer>): Promise<Started> {
  current = await startBoshServer(...args);
  return current;
}

const bodyOf = (text: string) => /<body>([^<]*)<\/body>/.exec(text)?.[1];

describe("bosh: a whole session over raw HTTP", () => {
  it("creates a session, logs in with SASL PLAIN, restarts, binds, exchanges messages and terminates", async () => {
    const s = await server();
    await createAccount(s.t.server, "localhost", "bob", "pw");
    const c = new BoshClient(s.boshUrl);

    const created = await c.create({ ack: 1 });
    expect(created.status).toBe(200);
    expect(created.headers.get("content-type")).toBe("text/xml; charset=utf-8");
    const a = created.attrs;
    expect(a.sid).toMatch(/^[0-9a-f-]{36}$/);
    expect(a).toMatchObject({
      wait: "60",
      hold: "1",
      requests: "2",
      inactivity: "60",
      polling: "5",
      from: "localhost",
      "xmpp:version": "1.0",
      "xmpp:restartlogic": "true",
      "xmlns:xmpp": NS_XBOSH,
      ack: String(c.rid),
      ver: "1.6",
    });
    expect(created.text).toContain(`xmlns='${NS_HTTPBIND}'`);
    const mechanisms = created.payload[0]?.getChild("mechanisms", SASL)?.getChildren("mechanism");
    expect(mechanisms?.map((m) => m.text())).toContain("PLAIN");

    const success = await c.post(
      `<auth xmlns='${SASL}' mechanism='PLAIN'>${plain("alice", "secret")}</auth>`,
    );
    expect(success.payload[0]?.is("success", SASL)).toBe(true);
    const restarted = await c.post("", { to: "localhost", "xmpp:restart": "true" });
    expect(restarted.payload[0]?.name).toBe("stream:features");
    expect(restarted.payload[0]?.getChild("bind", "urn:ietf:params:xml:ns:xmpp-bind")).toBeDefined();
    const bound = await c.post(
      "<iq xmlns='jabber:client' type='set' id='b'><bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'><resource>web</resource></bind></iq>",
    );
    expect(bound.text).toContain("<jid>alice@localhost/web</jid>");
    // Stanzas go out with the client namespace, as on a client stream.
    expect(bound.text).toContain("<iq xmlns='jabber:client'");
    expect(s.bosh.sessions().map((session) => session.fullJid)).toEqual(["alice@localhost/web"]);

    // bob on a WebSocket; a held BOSH request gets his message.
    const ws = await WsClient.connect(s.url);
    sockets.push(ws);
    expect(await wsLogin(ws, "bob", "pw", "ws")).toBe("bob@localhost/ws");
    const held = c.post();
    await new Promise((resolve) => setTimeout(resolve, 50));
    ws.send(
      "<message xmlns='jabber:client' to='alice@localhost/web' type='chat'><body>hi alice</body></message>",
    );
    const delivered = await held;
    expect(delivered.payload[0]?.attrs.from).toBe("bob@localhost/ws");
    expect(bodyOf(delivered.text)).toBe("hi alice");

    // alice answers from BOSH; bob reads it on the WebSocket.
    const sent = c.post("<message to='bob@localhost/ws' type='chat'><body>hi bob</body></message>");
    const reply = await ws.next((e) => e.name === "message");
    expect(reply.attrs.from).toBe("alice@localhost/web");
    expect(reply.getChildText("body")).toBe("hi bob");

    const ended = await c.post("<presence type='unavailable'/>", { type: "terminate" });
    expect(ended.attrs.type).toBe("terminate");
    expect(ended.attrs.condition).toBeUndefined();
    // The request held until the terminate one came was answered (empty), not left hanging.
    expect((await sent).status).toBe(200);
    expect(s.bosh.sessions()).toEqual([]);
    const after = await c.post();
    expect(after.attrs).toMatchObject({ type: "terminate", condition: "item-not-found" });
  });

  it("refuses an unencrypted session unless consider_bosh_secure (policy-violation)", async () => {
    const s = await server({ consider_bosh_secure: false });
    const created = await new BoshClient(s.boshUrl).create();
    expect(created.attrs).toMatchObject({ type: "terminate", condition: "remote-stream-error" });
    expect(created.payload[0]?.name).toBe("stream:error");
    expect(created.text).toContain("policy-violation");
    expect(s.bosh.sessions()).toEqual([]);
  });

  it("logs in over plain HTTP where the host allows it (allow_unencrypted_plain_auth)", async () => {
    const s = await server(
      { consider_bosh_secure: false },
      { host: { c2s_require_encryption: false, allow_unencrypted_plain_auth: true } },
    );
    expect(await login(new BoshClient(s.boshUrl), "plain")).toBe("alice@localhost/plain");
  });
});

describe("bosh: the request window (XEP-0124 §14)", () => {
  it("answers a repeated rid with the same response again, without processing it twice", async () => {
    const s = await server();
    const c = new BoshClient(s.boshUrl);
    await authenticate(c);
    const bind =
      "<iq type='set' id='b'><bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'><resource>r</resource></bind></iq>";
    const first = await c.post(bind);
    expect(first.text).toContain("alice@localhost/r");
    const again = await c.post(bind, {}, c.rid);
    expect(again.text).toBe(first.text);
    expect(s.bosh.sessions().map((session) => session.fullJid)).toEqual(["alice@localhost/r"]);
  });

  it("ends the session with item-not-found for a rid outside the window", async () => {
    const s = await server();
    const c = new BoshClient(s.boshUrl);
    expect(await login(c, "r")).toBe("alice@localhost/r");
    const bad = await c.post("", {}, c.rid + 5);
    expect(bad.status).toBe(200);
    expect(bad.attrs).toMatchObject({ type: "terminate", condition: "item-not-found" });
    expect(s.bosh.sessions()).toEqual([]);
    expect((await c.post()).attrs.condition).toBe("item-not-found");
  });

  it("refuses an old rid it no longer has a response for", async () => {
    const s = await server();
    const c = new BoshClient(s.boshUrl);
    await authenticate(c);
    const bad = await c.post("", {}, c.rid - 2);
    expect(bad.attrs).toMatchObject({ type: "terminate", condition: "item-not-found" });
    expect(s.bosh.sessions()).toEqual([]);
  });

  it("processes a request that came ahead of a missing one once the gap fills", async () => {
    const s = await server();
    const c = new BoshClient(s.boshUrl);
    await authenticate(c);
    const base = c.rid;
    const ahead = c.post(
      "<iq type='set' id='b'><bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'><resource>r</resource></bind></iq>",
      {},
      base + 2,
    );
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(s.bosh.sessions()[0]?.fullJid).toBeUndefined();
    const gap = await c.post("", {}, base + 1);
    // Processed in order once the gap filled; the result rides on the oldest request held.
    expect(gap.text).toContain("alice@localhost/r");
    expect(s.bosh.sessions()[0]?.fullJid).toBe("alice@localhost/r");
    c.rid = base + 2;
    await c.post("", { type: "terminate" });
    expect((await ahead).status).toBe(200);
  });

  it("holds at most `hold` requests: the oldest is answered empty when one more comes", async () => {
    const s = await server();
    const c = new BoshClient(s.boshUrl);
    expect(await login(c, "r")).toBe("alice@localhost/r");
    let firstDone = false;
    const first = c.post().then((r) => {
      firstDone = true;
      return r;
    });
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(firstDone).toBe(false);
    const second = c.post();
    const answered = await first;
    expect(answered.payload).toEqual([]);
    expect(answered.attrs.type).toBeUndefined();
    // The second is held until something comes for alice.
    s.bosh
      .sessions()[0]
      ?.send(message({ to: "alice@localhost/r", from: "localhost", id: "m" }).c("body").t("x").root());
    expect(bodyOf((await second).text)).toBe("x");
  });

  it("answers a held request empty once `wait` passes", async () => {
    const s = await server();
    const c = new BoshClient(s.boshUrl);
    await c.create({ wait: 10 });
    const held = c.post();
    await new Promise((resolve) => setTimeout(resolve, 50));
    await s.t.clock.advance(11);
    const answered = await held;
    expect(answered.status).toBe(200);
    expect(answered.payload).toEqual([]);
  });
});

describe("bosh: inactivity and pause", () => {
  it("ends a session that holds no request for bosh_max_inactivity seconds", async () => {
    const s = await server({ bosh_max_inactivity: 30 });
    const c = new BoshClient(s.boshUrl);
    expect(await login(c, "r")).toBe("alice@localhost/r");
    await s.t.clock.advance(20);
    expect(s.bosh.sessions()).toHaveLength(1);
    await s.t.clock.advance(45);
    expect(s.bosh.sessions()).toEqual([]);
    expect((await c.post()).attrs).toMatchObject({ type: "terminate", condition: "item-not-found" });
  });

  it("does not count a held request as inactivity", async () => {
    const s = await server({ bosh_max_inactivity: 30, bosh_max_wait: 600 });
    const c = new BoshClient(s.boshUrl);
    await c.create({ wait: 600 });
    const held = c.post();
    await new Promise((resolve) => setTimeout(resolve, 50));
    await s.t.clock.advance(100);
    expect(s.bosh.sessions()).toHaveLength(1);
    await c.post("", { type: "terminate" });
    await held;
  });

  it("a pause answers the held requests and allows that long a silence", async () => {
    const s = await server({ bosh_max_inactivity: 30 });
    const c = new BoshClient(s.boshUrl);
    await c.create();
    const created = s.bosh.sessions()[0];
    expect((await c.post("", { pause: 100 })).status).toBe(200);
    await s.t.clock.advance(90);
    expect(s.bosh.sessions()).toEqual([created]);
    await s.t.clock.advance(75);
    expect(s.bosh.sessions()).toEqual([]);
  });
});

describe("bosh: the client stream's rules", () => {
  it("leaves unhandled elements to the router: a stanza before authentication ends the session", async () => {
    const s = await server();
    const c = new BoshClient(s.boshUrl);
    expect((await c.create({ ver: "1.11" })).attrs.ver).toBe("1.11");
    const refused = await c.post("<message to='bob@localhost'><body>early</body></message>");
    expect(refused.attrs).toMatchObject({ type: "terminate", condition: "remote-stream-error" });
    expect(refused.text).toContain("not-authorized");
    expect(s.bosh.sessions()).toEqual([]);
  });

  it("ends a session not authenticated within c2s_timeout, on the request it holds", async () => {
    const s = await server({ c2s_timeout: 20, bosh_max_wait: 600 });
    const c = new BoshClient(s.boshUrl);
    await c.create({ wait: 600 });
    const held = c.post();
    await new Promise((resolve) => setTimeout(resolve, 50));
    await s.t.clock.advance(21);
    const ended = await held;
    expect(ended.attrs).toMatchObject({ type: "terminate", condition: "remote-stream-error" });
    expect(ended.text).toContain("connection-timeout");
    expect(s.bosh.sessions()).toEqual([]);
  });

  it("refuses STARTTLS: BOSH has none", async () => {
    const s = await server();
    const c = new BoshClient(s.boshUrl);
    const created = await c.create();
    expect(created.text).not.toContain("starttls");
    const session = s.bosh.sessions()[0] as { canStartTls?: boolean; startTls?: () => Promise<void> };
    expect(session.canStartTls).toBe(false);
    await expect(session.startTls?.()).rejects.toThrow(/BOSH session/);
  });
});

describe("bosh: bad requests", () => {
  it("answers malformed XML and a missing rid with HTTP 400 and bad-request", async () => {
    const s = await server();
    const broken = await BoshClient.raw(s.boshUrl, `<body xmlns='${NS_HTTPBIND}' rid='1'`);
    expect(broken.status).toBe(400);
    expect(broken.attrs).toMatchObject({ type: "terminate", condition: "bad-request" });
    const notBody = await BoshClient.raw(s.boshUrl, "<message xmlns='jabber:client'/>");
    expect(notBody.status).toBe(400);
    const noRid = await BoshClient.raw(s.boshUrl, `<body xmlns='${NS_HTTPBIND}' to='localhost' wait='60'/>`);
    expect(noRid.status).toBe(400);
    expect(noRid.attrs.condition).toBe("bad-request");
    const dtd = await BoshClient.raw(s.boshUrl, `<!DOCTYPE x><body xmlns='${NS_HTTPBIND}' rid='1'/>`);
    expect(dtd.status).toBe(400);
    expect(s.bosh.sessions()).toEqual([]);
  });

  it("answers improper-addressing without `to` and host-unknown for a host not served", async () => {
    const s = await server();
    const noTo = await new BoshClient(s.boshUrl).create({ to: undefined });
    expect(noTo.attrs).toMatchObject({ type: "terminate", condition: "improper-addressing" });
    const elsewhere = await new BoshClient(s.boshUrl).create({ to: "example.org" });
    expect(elsewhere.attrs).toMatchObject({ type: "terminate", condition: "host-unknown" });
    const unknownSid = await BoshClient.raw(s.boshUrl, `<body xmlns='${NS_HTTPBIND}' rid='5' sid='nope'/>`);
    expect(unknownSid.attrs).toMatchObject({ type: "terminate", condition: "item-not-found" });
    expect(s.bosh.sessions()).toEqual([]);
  });

  it("refuses a body over bosh_max_body_size with 413", async () => {
    const s = await server({ bosh_max_body_size: 2048 });
    const big = await BoshClient.raw(
      s.boshUrl,
      `<body xmlns='${NS_HTTPBIND}' rid='1' to='localhost' wait='60'>${"<x/>".repeat(1000)}</body>`,
    );
    expect(big.status).toBe(413);
    expect(s.bosh.sessions()).toEqual([]);
  });
});

describe("bosh: HTTP", () => {
  it("answers a CORS preflight and adds CORS headers to responses (on by default, as Prosody)", async () => {
    const s = await server();
    const preflight = await fetch(s.boshUrl, {
      method: "OPTIONS",
      headers: { Origin: "https://chat.example.com", "Access-Control-Request-Method": "POST" },
    });
    expect(preflight.status).toBe(200);
    expect(preflight.headers.get("access-control-allow-origin")).toBe("https://chat.example.com");
    expect(preflight.headers.get("access-control-allow-methods")).toContain("POST");
    expect(preflight.headers.get("access-control-allow-headers")).toContain("Content-Type");
    const created = await BoshClient.raw(
      s.boshUrl,
      `<body xmlns='${NS_HTTPBIND}' rid='1' to='localhost' wait='60'/>`,
      { Origin: "https://chat.example.com" },
    );
    expect(created.headers.get("access-control-allow-origin")).toBe("https://chat.example.com");
    const index = await fetch(s.boshUrl);
    expect(await index.text()).toContain("BOSH");
  });

  it("limits CORS to the origins http_cors_override lists, and turns it off", async () => {
    let s = await server({ http_cors_override: { bosh: { enabled: true, origins: ["https://a.example"] } } });
    const ask = (origin: string) => fetch(s.boshUrl, { method: "OPTIONS", headers: { Origin: origin } });
    expect((await ask("https://a.example")).headers.get("access-control-allow-origin")).toBe(
      "https://a.example",
    );
    expect((await ask("https://b.example")).headers.get("access-control-allow-origin")).toBeNull();
    await s.t.stop();
    s = await server({ cross_domain_bosh: false });
    expect((await ask("https://a.example")).headers.get("access-control-allow-origin")).toBeNull();
  });
});
