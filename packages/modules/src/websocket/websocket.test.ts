import { request as httpRequest } from "node:http";
import { type Element, message } from "canto";
import { afterEach, describe, expect, it } from "vitest";
import {
  BIND,
  FRAMING,
  login,
  plain,
  SASL,
  type Started,
  startServer,
  WsClient,
} from "./websocket.test-helper.js";

const STREAMS = "http://etherx.jabber.org/streams";
const STREAM_ERRORS = "urn:ietf:params:xml:ns:xmpp-streams";

let current: Started | undefined;
const clients: WsClient[] = [];
afterEach(async () => {
  for (const client of clients.splice(0)) client.terminate();
  await current?.t.stop();
  current = undefined;
});

async function server(hostOptions: Record<string, unknown> = {}): Promise<Started> {
  current = await startServer(hostOptions);
  return current;
}

async function client(url: string, protocols?: string[]): Promise<WsClient> {
  const c = await WsClient.connect(url, protocols);
  clients.push(c);
  return c;
}

/** Resolves with the status and body of a WebSocket handshake the server refuses. */
function refusedHandshake(
  port: number,
  headers: Record<string, string>,
): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest({
      host: "127.0.0.1",
      port,
      path: "/xmpp-websocket",
      headers: {
        Connection: "Upgrade",
        Upgrade: "websocket",
        "Sec-WebSocket-Version": "13",
        "Sec-WebSocket-Key": "dGhlIHNhbXBsZSBub25jZQ==",
        ...headers,
      },
    });
    req.on("upgrade", () => reject(new Error("the server accepted the upgrade")));
    req.on("response", (res) => {
      let body = "";
      res.on("data", (chunk: Buffer) => {
        body += chunk.toString("utf8");
      });
      res.on("end", () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on("error", reject);
    req.end();
  });
}

const mechanismsOf = (features: Element) =>
  features
    .getChild("mechanisms", SASL)
    ?.getChildren("mechanism")
    .map((e) => e.getText());

const streamErrorOf = (client: WsClient) =>
  client.next((e) => e.is("error", STREAMS)).then((e) => e.getChildElements()[0]?.name);

describe("websocket (RFC 7395)", () => {
  it("logs in over the full RFC 7395 flow and chats with a local user", async () => {
    const { t, url } = await server();
    const bob = t.connect("bob@localhost/desk");
    const c = await client(url);

    c.open();
    const open = await c.next();
    expect(open.is("open", FRAMING)).toBe(true);
    expect(open.attrs).toMatchObject({ from: "localhost", version: "1.0" });
    expect(open.attrs.id).toMatch(/^[A-Za-z0-9_-]{16}$/);
    // Each message stands alone: the features declare their own stream prefix.
    expect(c.messages[1]).toMatch(/^<stream:features xmlns:stream="http:\/\/etherx.jabber.org\/streams">/);
    const features = await c.next((e) => e.is("features", STREAMS));
    const mechanisms = mechanismsOf(features);
    expect(mechanisms).toContain("PLAIN");

    c.send(`<auth xmlns="${SASL}" mechanism="PLAIN">${plain("alice", "secret")}</auth>`);
    await c.next((e) => e.is("success", SASL));
    c.open(); // the restart is a new <open/>
    const restarted = await c.next((e) => e.is("open", FRAMING));
    expect(restarted.attrs.id).not.toBe(open.attrs.id);
    const after = await c.next((e) => e.is("features", STREAMS));
    expect(after.getChild("bind", BIND)).toBeDefined();
    expect(after.getChild("mechanisms", SASL)).toBeUndefined();

    c.send(`<iq type="set" id="b1"><bind xmlns="${BIND}"><resource>browser</resource></bind></iq>`);
    const bound = await c.next((e) => e.name === "iq" && e.attrs.id === "b1");
    expect(bound.attrs.type).toBe("result");
    expect(bound.getChild("bind", BIND)?.getChildText("jid")).toBe("alice@localhost/browser");

    c.send(
      `<message xmlns="jabber:client" type="chat" to="bob@localhost/desk" id="m1"><body>hi bob</body></message>`,
    );
    const got = await bob.next();
    expect(got.attrs).toMatchObject({ from: "alice@localhost/browser", to: "bob@localhost/desk" });
    expect(got.getChildText("body")).toBe("hi bob");

    await bob.process(
      message({ type: "chat", to: "alice@localhost/browser", id: "r1" }).c("body").t("hi alice").root(),
    );
    const answer = await c.next((e) => e.name === "message");
    expect(answer.getChildText("body")).toBe("hi alice");
    expect(answer.attrs.from).toBe("bob@localhost/desk");
    // Outgoing stanzas carry the client namespace, as a standalone message must.
    expect(c.messages.find((m) => m.startsWith("<message"))).toMatch(/^<message xmlns="jabber:client"/);
  });

  it("answers <close/> with <close/>, closes the WebSocket and unbinds the resource", async () => {
    const { t, url, api } = await server();
    const c = await client(url);
    expect(await login(c, "alice", "secret", "tab")).toBe("alice@localhost/tab");
    const unbound: string[] = [];
    t.server.host("localhost")?.events.hook("resource-unbind", (data) => {
      unbound.push((data as { session: { fullJid?: string } }).session.fullJid ?? "");
    });
    c.send(`<close xmlns="${FRAMING}"/>`);
    await c.next((e) => e.is("close", FRAMING));
    expect(await c.closed).toBe(1000);
    await vitestUntil(() => api.sessions().length === 0);
    expect(unbound).toEqual(["alice@localhost/tab"]);
    expect(t.server.sessions.full("alice@localhost/tab")).toBeUndefined();
  });

  it("answers malformed XML with a stream error, then <close/>, then a WebSocket close", async () => {
    const { url } = await server();
    const c = await client(url);
    c.open();
    await c.next((e) => e.is("features", STREAMS));
    c.send("<message><body>unclosed</message>");
    expect(await streamErrorOf(c)).toBe("not-well-formed");
    const last = await c.next();
    expect(last.is("close", FRAMING)).toBe(true);
    expect(await c.closed).toBe(1000);
  });

  it("refuses two elements in one message and a processing instruction", async () => {
    const { url } = await server();
    const two = await client(url);
    two.send(`<open xmlns="${FRAMING}" to="localhost" version="1.0"/><presence/>`);
    const error = await two.next((e) => e.is("error", STREAMS));
    expect(error.getChildElements()[0]?.name).toBe("not-well-formed");
    expect(error.getChildText("text", STREAM_ERRORS)).toMatch(/exactly one XML element/);
    const pi = await client(url);
    pi.send(`<?xml version="1.0"?><open xmlns="${FRAMING}" to="localhost" version="1.0"/>`);
    expect(await streamErrorOf(pi)).toBe("restricted-xml");
  });

  it("refuses a stanza before <open/>, an unknown host and a missing version", async () => {
    const { url } = await server();
    const early = await client(url);
    early.send(`<message to="bob@localhost"><body>x</body></message>`);
    expect(await streamErrorOf(early)).toBe("invalid-namespace");
    const unknown = await client(url);
    unknown.open("elsewhere.example");
    expect(await streamErrorOf(unknown)).toBe("host-unknown");
    const noVersion = await client(url);
    noVersion.send(`<open xmlns="${FRAMING}" to="localhost"/>`);
    expect(await streamErrorOf(noVersion)).toBe("unsupported-version");
  });

  it("refuses stanzas before authentication and elements beyond c2s_stanza_size_limit", async () => {
    const { url } = await server({ c2s_stanza_size_limit: 1024 });
    const c = await client(url);
    c.open();
    await c.next((e) => e.is("features", STREAMS));
    c.send(`<message to="bob@localhost"><body>x</body></message>`);
    expect(await streamErrorOf(c)).toBe("not-authorized");
    const big = await client(url);
    big.open();
    await big.next((e) => e.is("features", STREAMS));
    big.send(`<presence><status>${"x".repeat(2000)}</status></presence>`);
    expect(await streamErrorOf(big)).toBe("policy-violation");
  });

  it("refuses a client that does not offer the xmpp subprotocol with 501", async () => {
    const { port, api } = await server();
    const none = await refusedHandshake(port, {});
    expect(none.status).toBe(501);
    expect(none.body).toMatch(/subprotocol 'xmpp'/);
    const other = await refusedHandshake(port, { "Sec-WebSocket-Protocol": "chat, mqtt" });
    expect(other.status).toBe(501);
    expect(api.sessions()).toHaveLength(0);
  });

  it("refuses pages of other origins unless cross_domain_websocket lists them", async () => {
    const { port, url } = await server({ cross_domain_websocket: ["https://chat.example.com"] });
    const foreign = await refusedHandshake(port, {
      "Sec-WebSocket-Protocol": "xmpp",
      Origin: "https://evil.example",
    });
    expect(foreign.status).toBe(403);
    expect(foreign.body).toContain("https://evil.example");
    const sameOrigin = await WsClient.connect(url, ["xmpp"], { origin: `http://127.0.0.1:${port}` });
    clients.push(sameOrigin);
    expect(sameOrigin.socket.protocol).toBe("xmpp");
    const allowed = await WsClient.connect(url, ["xmpp"], { origin: "https://chat.example.com" });
    clients.push(allowed);
    expect(allowed.socket.protocol).toBe("xmpp");
  });

  it("serves a short page to plain GET requests", async () => {
    const { port } = await server();
    const body = await new Promise<string>((resolve, reject) => {
      httpRequest({ host: "127.0.0.1", port, path: "/xmpp-websocket" }, (res) => {
        let text = "";
        res.on("data", (chunk: Buffer) => {
          text += chunk.toString("utf8");
        });
        res.on("end", () => resolve(`${res.statusCode} ${text}`));
      })
        .on("error", reject)
        .end();
    });
    expect(body).toMatch(/^200 .*RFC 7395/);
  });

  it("without consider_websocket_secure, a plain ws:// session is not secure and gets no PLAIN", async () => {
    const { url, api } = await server({
      consider_websocket_secure: false,
      c2s_require_encryption: false,
    });
    const c = await client(url);
    c.open();
    const features = await c.next((e) => e.is("features", STREAMS));
    expect(api.sessions()[0]?.secure).toBe(false);
    const mechanisms = mechanismsOf(features) ?? [];
    expect(mechanisms).not.toContain("PLAIN");
    expect(mechanisms.length).toBeGreaterThan(0);
  });

  it("tells connected clients system-shutdown when the server stops", async () => {
    const { t, url } = await server();
    const c = await client(url);
    await login(c, "alice", "secret", "tab");
    const stopped = t.stop();
    current = undefined;
    expect(await streamErrorOf(c)).toBe("system-shutdown");
    expect((await c.next()).is("close", FRAMING)).toBe(true);
    await stopped;
  });

  it("ends the session when the client sends a stream error", async () => {
    const { t, url, api } = await server();
    const c = await client(url);
    await login(c, "alice", "secret", "tab");
    expect(t.server.sessions.full("alice@localhost/tab")).toBeDefined();
    c.send(
      `<stream:error xmlns:stream="${STREAMS}"><undefined-condition xmlns="${STREAM_ERRORS}"/></stream:error>`,
    );
    expect((await c.next((e) => e.is("close", FRAMING))).is("close", FRAMING)).toBe(true);
    await vitestUntil(() => api.sessions().length === 0);
    expect(t.server.sessions.full("alice@localhost/tab")).toBeUndefined();
  });

  it("refuses an unencrypted session while c2s_require_encryption is on (the default)", async () => {
    const { url } = await server({ consider_websocket_secure: false });
    const c = await client(url);
    c.open();
    const error = await c.next((e) => e.is("error", STREAMS));
    expect(error.getChildElements()[0]?.name).toBe("policy-violation");
    expect(error.getChildText("text", STREAM_ERRORS)).toMatch(/wss:\/\/.*consider_websocket_secure/);
    expect(await c.closed).toBe(1000);
  });

  it("ends sessions that do not authenticate within c2s_timeout", async () => {
    const { t, url } = await server({ c2s_timeout: 30 });
    const slow = await client(url);
    slow.open();
    await slow.next((e) => e.is("features", STREAMS));
    const quick = await client(url);
    await login(quick, "alice", "secret", "quick");
    t.clock.advance(31);
    expect(await streamErrorOf(slow)).toBe("connection-timeout");
    expect(quick.closeCode).toBeUndefined();
  });

  it("moves to the path http_paths gives it", async () => {
    const { port } = await server({ http_paths: { websocket: "/ws" } });
    const c = await client(`ws://127.0.0.1:${port}/ws`);
    c.open();
    expect((await c.next()).is("open", FRAMING)).toBe(true);
  });

  it("closes a message over websocket_frame_buffer_limit with 1009", async () => {
    const { url, api } = await server({ websocket_frame_buffer_limit: 2048 });
    const c = await client(url);
    c.open();
    await c.next((e) => e.is("features", STREAMS));
    c.send(`<presence><status>${"x".repeat(3000)}</status></presence>`);
    expect(await c.closed).toBe(1009);
    await vitestUntil(() => api.sessions().length === 0);
  });

  it("closes a binary message with 1003", async () => {
    const { url } = await server();
    const c = await client(url);
    c.socket.send(Buffer.from("<open/>"), { binary: true });
    expect(await c.closed).toBe(1003);
  });

  it("pings an idle connection and ends it when the pings go unanswered", async () => {
    const { t, url, api } = await server({ c2s_idle_timeout: 60 });
    const answering = await client(url);
    const silent = await WsClient.connect(url, ["xmpp"], { autoPong: false });
    clients.push(silent);
    answering.open();
    silent.open();
    await answering.next((e) => e.is("features", STREAMS));
    await silent.next((e) => e.is("features", STREAMS));
    const pinged = new Promise<void>((resolve) => answering.socket.once("ping", () => resolve()));
    t.clock.advance(61);
    await pinged;
    // Let the pong reach the server: it counts as input.
    await new Promise((resolve) => setTimeout(resolve, 200));
    t.clock.advance(61);
    expect(await streamErrorOf(silent)).toBe("connection-timeout");
    expect(await silent.closed).toBe(1000);
    await vitestUntil(() => api.sessions().length === 1);
    expect(answering.closeCode).toBeUndefined();
  });
});

async function vitestUntil(check: () => boolean, ms = 3000): Promise<void> {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error("condition not reached in time");
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}
