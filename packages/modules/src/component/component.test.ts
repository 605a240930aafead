import { type Element, iq, message, presence } from "canto";
import { afterEach, describe, expect, it } from "vitest";
import {
  connectComponent,
  RawPeer,
  SECRET,
  type Started,
  start,
  until,
  type XmppComponent,
  xml,
} from "./component.test-helper.js";
import { handshakeDigest } from "./session.js";

const NS_STANZAS = "urn:ietf:params:xml:ns:xmpp-stanzas";
let current: Started | undefined;
const components: XmppComponent[] = [];
const peers: RawPeer[] = [];

afterEach(async () => {
  for (const peer of peers.splice(0)) peer.destroy();
  for (const c of components.splice(0)) await c.stop().catch(() => {});
  await current?.t.stop();
  current = undefined;
});

async function server(...args: Parameters<typeof start>): Promise<Started> {
  current = await start(...args);
  return current;
}

async function online(port: number, domain = "gw.localhost", password = SECRET): Promise<XmppComponent> {
  const { xmpp, outcome } = await connectComponent(port, domain, password);
  components.push(xmpp);
  if (outcome !== "online") throw outcome;
  return xmpp;
}

async function refused(port: number, domain: string, password: string): Promise<string | undefined> {
  const { xmpp, outcome } = await connectComponent(port, domain, password);
  components.push(xmpp);
  if (outcome === "online") throw new Error(`${domain} was accepted`);
  return outcome.condition;
}

async function raw(port: number): Promise<RawPeer> {
  const peer = await RawPeer.connect(port);
  peers.push(peer);
  return peer;
}

const streamError = (condition: string) =>
  new RegExp(`<stream:error><${condition} xmlns=["']urn:ietf:params:xml:ns:xmpp-streams["']`);

describe("component handshake (XEP-0114)", () => {
  it("accepts a component whose handshake matches its secret", async () => {
    const { port, api } = await server();
    await online(port);
    await until(() => api.connected().has("gw.localhost"));
    expect(api.connected().get("gw.localhost")?.type).toBe("component");
  });

  it("answers the stream header with a stream id and from = the component, and <handshake/> for the right digest", async () => {
    const { port } = await server();
    const peer = await raw(port);
    peer.open("gw.localhost");
    const header = await peer.waitFor(/<stream:stream [^>]*>/);
    expect(header).toContain("xmlns='jabber:component:accept'");
    expect(header).toContain("from='gw.localhost'");
    const id = /id='([^']+)'/.exec(header)?.[1];
    expect(id).toBeDefined();
    peer.clear();
    peer.write(`<handshake>${handshakeDigest(id!, SECRET).toUpperCase()}</handshake>`);
    expect(await peer.waitFor("<handshake/>")).toBe("<handshake/>");
  });

  it("refuses a wrong secret with not-authorized", async () => {
    const { port, api } = await server();
    expect(await refused(port, "gw.localhost", "wrong")).toBe("not-authorized");
    expect(api.connected().size).toBe(0);
  });

  it("refuses an unknown host and a host that is not a component with host-unknown", async () => {
    const { port } = await server();
    expect(await refused(port, "nope.localhost", SECRET)).toBe("host-unknown");
    expect(await refused(port, "localhost", SECRET)).toBe("host-unknown");
  });

  it("refuses a stream without 'to' with improper-addressing", async () => {
    const { port } = await server();
    const peer = await raw(port);
    peer.write(
      "<stream:stream xmlns='jabber:component:accept' xmlns:stream='http://etherx.jabber.org/streams'>",
    );
    expect(await peer.waitFor("</stream:stream>")).toMatch(streamError("improper-addressing"));
  });

  it("refuses stanzas before the handshake with not-authorized", async () => {
    const { port, t } = await server();
    const alice = t.connect("alice@localhost/phone");
    const peer = await raw(port);
    peer.open("gw.localhost");
    await peer.waitFor(/<stream:stream [^>]*>/);
    peer.write("<message from='bot@gw.localhost' to='alice@localhost/phone'><body>early</body></message>");
    expect(await peer.waitFor("</stream:stream>")).toMatch(streamError("not-authorized"));
    expect(alice.received).toHaveLength(0);
  });

  it("closes a connection that does not complete the handshake within component_timeout", async () => {
    const { port, t } = await server({ component_timeout: 30 });
    const peer = await raw(port);
    peer.open("gw.localhost");
    await peer.waitFor(/<stream:stream [^>]*>/);
    await t.clock.advance(29);
    expect(peer.text).not.toContain("</stream:stream>");
    await t.clock.advance(2);
    expect(await peer.waitFor("</stream:stream>")).toMatch(streamError("connection-timeout"));
  });

  it("closes the stream with policy-violation for a stanza over component_stanza_size_limit", async () => {
    const { port } = await server({ component_stanza_size_limit: 2048 });
    const peer = await raw(port);
    peer.open("gw.localhost");
    const header = await peer.waitFor(/<stream:stream [^>]*>/);
    const id = /id='([^']+)'/.exec(header)![1]!;
    peer.write(`<handshake>${handshakeDigest(id, SECRET)}</handshake>`);
    await peer.waitFor("<handshake/>");
    peer.write(
      `<message to='alice@localhost' from='bot@gw.localhost'><body>${"x".repeat(4096)}</body></message>`,
    );
    expect(await peer.waitFor("</stream:stream>")).toMatch(streamError("policy-violation"));
  });

  it("refuses a component without component_secret", async () => {
    const { port } = await server({
      components: { "gw.localhost": { module: "component" } },
    });
    expect(await refused(port, "gw.localhost", "")).toBe("not-authorized");
  });

  it("refuses a second connection with conflict and keeps the first (component_conflict_resolve = kick_new)", async () => {
    const { port, api } = await server();
    const first = await online(port);
    const firstSession = api.connected().get("gw.localhost");
    expect(await refused(port, "gw.localhost", SECRET)).toBe("conflict");
    expect(api.connected().get("gw.localhost")).toBe(firstSession);
    expect(first.status).toBe("online");
  });

  it("replaces the first connection with component_conflict_resolve = kick_old", async () => {
    const { port, api } = await server({
      components: {
        "gw.localhost": {
          module: "component",
          component_secret: SECRET,
          component_conflict_resolve: "kick_old",
        },
      },
    });
    const first = await online(port);
    const errors: (string | undefined)[] = [];
    first.on("error", (error: { condition?: string }) => errors.push(error.condition));
    const firstSession = api.connected().get("gw.localhost");
    await online(port);
    await until(() => errors.length > 0);
    expect(errors[0]).toBe("conflict");
    expect(api.connected().get("gw.localhost")).not.toBe(firstSession);
  });

  it("serves a component declared with only a secret (no module), as Prosody does", async () => {
    const { port, api } = await server({
      components: { "gw.localhost": { component_secret: SECRET } },
    });
    await online(port);
    expect(api.connected().has("gw.localhost")).toBe(true);
  });

  it("serves several components on one port, each with its own secret", async () => {
    const { port, api } = await server({
      components: {
        "gw.localhost": { module: "component", component_secret: SECRET },
        "other.localhost": { module: "component", component_secret: "other-secret" },
      },
    });
    expect(api.listeners()).toHaveLength(1);
    expect(await refused(port, "other.localhost", SECRET)).toBe("not-authorized");
    await online(port, "other.localhost", "other-secret");
    await online(port);
    expect([...api.connected().keys()].sort()).toEqual(["gw.localhost", "other.localhost"]);
  });

  it("refuses to load on a host that is not a Component", async () => {
    const { t } = await server();
    await expect(t.server.manager.load("localhost", "component")).rejects.toMatchObject({
      code: "module-load-failed",
    });
    expect(t.server.host("localhost")?.modules.has("component")).toBe(false);
  });
});

describe("component routing", () => {
  it("delivers a user's message to any address at the component's domain", async () => {
    const { port, t } = await server();
    const bot = await online(port);
    const got: string[] = [];
    bot.on("stanza", (el: { toString(): string }) => got.push(el.toString()));
    const alice = t.connect("alice@localhost/phone");
    await alice.process(message({ to: "bot@gw.localhost", type: "chat" }, "hello bot"));
    await alice.process(message({ to: "gw.localhost" }, "hello host"));
    await alice.process(message({ to: "bot@gw.localhost/res" }, "hello resource"));
    await until(() => got.length === 3);
    expect(got[0]).toContain('from="alice@localhost/phone"');
    expect(got[0]).toContain('to="bot@gw.localhost"');
    expect(got[0]).toContain("<body>hello bot</body>");
    expect(got[1]).toContain("hello host");
    expect(got[2]).toContain('to="bot@gw.localhost/res"');
  });

  it("delivers the component's message to the user", async () => {
    const { port, t } = await server();
    const bot = await online(port);
    const alice = t.connect("alice@localhost/phone");
    const next = alice.next();
    await bot.send(
      xml(
        "message",
        { to: "alice@localhost/phone", from: "bot@gw.localhost", type: "chat" },
        xml("body", {}, "hi alice"),
      ),
    );
    const received = await next;
    expect(received.attrs.from).toBe("bot@gw.localhost");
    expect(received.getChildText("body")).toBe("hi alice");
  });

  it("gives a stanza without 'from' the component's domain as sender", async () => {
    const { port, t } = await server();
    const bot = await online(port);
    const alice = t.connect("alice@localhost/phone");
    const next = alice.next();
    // @xmpp/component fills in 'from' itself: write the element raw to leave it out.
    const el = xml("message", { to: "alice@localhost/phone" }, xml("body", {}, "anonymous"));
    await (bot as unknown as { write(data: string): Promise<void> }).write(el.toString());
    expect((await next).attrs.from).toBe("gw.localhost");
  });

  it("round-trips an IQ from the user to the component", async () => {
    const { port, t } = await server();
    const bot = await online(port);
    bot.on("stanza", (el: { name: string; attrs: Record<string, string | undefined> }) => {
      if (el.name === "iq" && el.attrs.type === "get") {
        void bot.send(
          xml(
            "iq",
            { type: "result", id: el.attrs.id, to: el.attrs.from, from: el.attrs.to },
            xml("answer", { xmlns: "urn:test:q" }, "42"),
          ),
        );
      }
    });
    const alice = t.connect("alice@localhost/phone");
    const next = alice.next();
    await alice.process(
      iq({ type: "get", id: "q1", to: "bot@gw.localhost" }).c("query", { xmlns: "urn:test:q" }).root(),
    );
    const answer = await next;
    expect(answer.attrs.type).toBe("result");
    expect(answer.attrs.id).toBe("q1");
    expect(answer.attrs.from).toBe("bot@gw.localhost");
    expect(answer.getChild("answer", "urn:test:q")?.getText()).toBe("42");
  });

  it("closes the stream with invalid-from when the component sends from another domain", async () => {
    const { port, t, api } = await server();
    const bot = await online(port);
    const errors: (string | undefined)[] = [];
    bot.on("error", (error: { condition?: string }) => errors.push(error.condition));
    const alice = t.connect("alice@localhost/phone");
    await bot.send(
      xml("message", { to: "alice@localhost/phone", from: "mallory@localhost" }, xml("body", {}, "spoof")),
    );
    await until(() => errors.length > 0);
    expect(errors[0]).toBe("invalid-from");
    expect(alice.received).toHaveLength(0);
    await until(() => !api.connected().has("gw.localhost"));
  });

  it("lets any sender through with validate_from_addresses = false", async () => {
    const { port, t } = await server({
      components: {
        "gw.localhost": { module: "component", component_secret: SECRET, validate_from_addresses: false },
      },
    });
    const bot = await online(port);
    const alice = t.connect("alice@localhost/phone");
    const next = alice.next();
    await bot.send(
      xml(
        "message",
        { to: "alice@localhost/phone", from: "relay@elsewhere.example" },
        xml("body", {}, "relayed"),
      ),
    );
    expect((await next).attrs.from).toBe("relay@elsewhere.example");
  });

  it("answers a stanza without 'to' with bad-request", async () => {
    const { port } = await server();
    const peer = await raw(port);
    peer.open("gw.localhost");
    const header = await peer.waitFor(/<stream:stream [^>]*>/);
    const id = /id='([^']+)'/.exec(header)![1]!;
    peer.write(`<handshake>${handshakeDigest(id, SECRET)}</handshake>`);
    await peer.waitFor("<handshake/>");
    peer.clear();
    peer.write("<message from='bot@gw.localhost' id='m1'><body>to nobody</body></message>");
    const text = await peer.waitFor("</message>");
    expect(text).toContain('type="error"');
    expect(text).toContain(`<bad-request xmlns="${NS_STANZAS}"/>`);
  });

  it("closes the stream with unsupported-stanza-type for an element that is not a stanza", async () => {
    const { port } = await server();
    const peer = await raw(port);
    peer.open("gw.localhost");
    const header = await peer.waitFor(/<stream:stream [^>]*>/);
    const id = /id='([^']+)'/.exec(header)![1]!;
    peer.write(`<handshake>${handshakeDigest(id, SECRET)}</handshake>`);
    await peer.waitFor("<handshake/>");
    peer.write("<thing xmlns='urn:test:thing'/>");
    expect(await peer.waitFor("</stream:stream>")).toMatch(streamError("unsupported-stanza-type"));
  });

  it("bounces messages and IQs with service-unavailable while the component is disconnected, and drops presence", async () => {
    const { port, t, api } = await server();
    const bot = await online(port);
    await bot.stop();
    await until(() => !api.connected().has("gw.localhost"));
    const alice = t.connect("alice@localhost/phone");
    await alice.process(message({ to: "bot@gw.localhost", id: "m1", type: "chat" }, "anyone?"));
    await alice.process(
      iq({ type: "get", id: "q1", to: "bot@gw.localhost" }).c("query", { xmlns: "urn:test:q" }).root(),
    );
    await alice.process(presence({ to: "bot@gw.localhost" }));
    expect(alice.received).toHaveLength(2);
    const [bounce, iqBounce] = alice.received as [Element, Element];
    expect(bounce.attrs).toMatchObject({ type: "error", id: "m1", from: "bot@gw.localhost" });
    const error = bounce.getChild("error");
    expect(error?.attrs.type).toBe("wait");
    expect(error?.getChild("service-unavailable", NS_STANZAS)).toBeDefined();
    expect(error?.getChild("not-connected", "xmpp:prosody.im/protocol/component")).toBeDefined();
    expect(iqBounce.attrs).toMatchObject({ type: "error", id: "q1" });
    expect(iqBounce.getChild("error")?.getChild("service-unavailable", NS_STANZAS)).toBeDefined();
  });

  it("answers disco#info on the component's domain with its configured name while it is disconnected", async () => {
    const { t } = await server({
      components: { "gw.localhost": { module: "component", component_secret: SECRET, name: "Gateway" } },
    });
    const alice = t.connect("alice@localhost/phone");
    await alice.process(
      iq({ type: "get", id: "d1", to: "gw.localhost" })
        .c("query", { xmlns: "http://jabber.org/protocol/disco#info" })
        .root(),
    );
    const [answer] = alice.received as [Element];
    expect(answer.attrs).toMatchObject({ type: "result", id: "d1", from: "gw.localhost" });
    const identity = answer.getChild("query", "http://jabber.org/protocol/disco#info")?.getChild("identity");
    expect(identity?.attrs).toMatchObject({ category: "component", type: "generic", name: "Gateway" });
  });

  it("closes the component's stream when the server stops", async () => {
    const { port, t } = await server();
    const peer = await raw(port);
    peer.open("gw.localhost");
    const header = await peer.waitFor(/<stream:stream [^>]*>/);
    const id = /id='([^']+)'/.exec(header)![1]!;
    peer.write(`<handshake>${handshakeDigest(id, SECRET)}</handshake>`);
    await peer.waitFor("<handshake/>");
    await t.stop();
    current = undefined;
    expect(await peer.waitFor("</stream:stream>")).toMatch(streamError("system-shutdown"));
  });
});
