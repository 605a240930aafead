import { cron, Element, type Module } from "canto";
import { afterEach, describe, expect, it } from "vitest";
import type { StreamFeaturesEvent } from "../shared/contracts.js";
import { RawClient } from "./raw-client.test-helper.js";
import { FEATURES, login, type Started, start, until } from "./transport.test-helper.js";

let current: Started | undefined;
const clients: RawClient[] = [];
afterEach(async () => {
  for (const client of clients.splice(0)) client.destroy();
  await current?.cleanup();
  current = undefined;
});

async function server(...args: Parameters<typeof start>): Promise<Started> {
  current = await start(...args);
  return current;
}

async function client(port: number): Promise<RawClient> {
  const c = await RawClient.connect(port);
  clients.push(c);
  return c;
}

const streamError = (condition: string) =>
  new RegExp(`<stream:error><${condition} xmlns=["']urn:ietf:params:xml:ns:xmpp-streams["']`);

/** Adds `<test-feature/>` to stream features, to show the event reaches other modules. */
const featureModule = (module: Module) => {
  module.hook("stream-features", (event: StreamFeaturesEvent) => {
    event.features.c("test-feature", { xmlns: "urn:test:feature", secure: String(event.origin.secure) });
  });
};

describe("c2s stream negotiation", () => {
  it("answers the stream header (version 1.0, an id, from = host) with features from stream-features", async () => {
    const { port } = await server(
      { modules_enabled: ["c2s", "features"] },
      { modules: { features: featureModule } },
    );
    const c = await client(port);
    c.open("localhost", " from='alice@localhost' xml:lang='de'");
    const text = await c.waitFor(FEATURES);
    const header = /<stream:stream [^>]*>/.exec(text)![0];
    expect(header).toContain("version='1.0'");
    expect(header).toContain("from='localhost'");
    expect(header).toContain("to='alice@localhost'");
    expect(header).toMatch(/ id='[A-Za-z0-9_-]{16}'/);
    expect(header).toContain("xmlns='jabber:client'");
    expect(text).toContain(`<test-feature xmlns="urn:test:feature" secure="false"/>`);
  });

  it("answers host-unknown for a host it does not serve, after a stream header of its own", async () => {
    const { port } = await server();
    const c = await client(port);
    c.open("elsewhere.example");
    const text = await c.waitFor("</stream:stream>");
    expect(text).toMatch(/^<\?xml version='1.0'\?><stream:stream [^>]*version='1.0'/);
    expect(text).toMatch(streamError("host-unknown"));
    expect(text).toContain("elsewhere.example");
    await c.closed();
  });

  it("refuses a wrong stream namespace, a missing version and a missing 'to'", async () => {
    const { port } = await server();
    const badNs = await client(port);
    badNs.write(
      "<stream:stream xmlns='jabber:server' xmlns:stream='http://etherx.jabber.org/streams' to='localhost' version='1.0'>",
    );
    expect(await badNs.waitFor("</stream:stream>")).toMatch(streamError("invalid-namespace"));
    const noVersion = await client(port);
    noVersion.write(
      "<stream:stream xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams' to='localhost'>",
    );
    expect(await noVersion.waitFor("</stream:stream>")).toMatch(streamError("unsupported-version"));
    const noTo = await client(port);
    noTo.write(
      "<stream:stream xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams' version='1.0'>",
    );
    expect(await noTo.waitFor("</stream:stream>")).toMatch(streamError("improper-addressing"));
    await Promise.all([badNs.closed(), noVersion.closed(), noTo.closed()]);
  });

  it("closes cleanly on </stream:stream> and fires resource-unbind for a bound session", async () => {
    const { port, t } = await server();
    const unbound: string[] = [];
    t.server.host("localhost")!.events.hook("resource-unbind", (e) => {
      unbound.push(String((e as { session: { fullJid?: string } }).session.fullJid));
    });
    const c = await client(port);
    await login(c, "alice", "phone");
    expect(t.server.sessions.full("alice@localhost/phone")).toBeDefined();
    c.write("</stream:stream>");
    const text = await c.waitFor("</stream:stream>");
    expect(text).not.toContain("stream:error");
    await c.closed();
    await until(() => unbound.length === 1);
    expect(unbound).toEqual(["alice@localhost/phone"]);
    expect(t.server.sessions.full("alice@localhost/phone")).toBeUndefined();
  });

  it("fires resource-unbind when a bound client just drops the connection", async () => {
    const { port, t } = await server();
    let unbound = 0;
    t.server.host("localhost")!.events.hook("resource-unbind", () => {
      unbound++;
    });
    const c = await client(port);
    await login(c, "alice", "phone");
    c.destroy();
    await until(() => unbound === 1);
    expect(t.server.sessions.full("alice@localhost/phone")).toBeUndefined();
  });

  it("routes stanzas of bound sessions through the router (unhandled IQ gets service-unavailable)", async () => {
    const { port } = await server();
    const c = await client(port);
    await login(c, "alice", "phone");
    c.write("<iq type='get' id='q1' to='localhost'><query xmlns='urn:test:nothing'/></iq>");
    const text = await c.waitFor("</iq>");
    expect(text).toContain('type="error"');
    expect(text).toContain("service-unavailable");
  });

  it("kicks the old session with a conflict stream error when the same resource binds again", async () => {
    const { port } = await server({ on_conflict: "kick_old" });
    const first = await client(port);
    await login(first, "alice", "phone");
    const second = await client(port);
    await login(second, "alice", "phone");
    expect(await first.waitFor("</stream:stream>")).toMatch(streamError("conflict"));
    await first.closed();
    expect(second.ended).toBe(false);
  });
});

describe("c2s stream errors", () => {
  it("answers malformed XML with not-well-formed and closes, while a good client keeps working", async () => {
    const { port } = await server();
    const good = await client(port);
    await login(good, "alice", "phone");
    const bad = await client(port);
    bad.open();
    await bad.waitFor(FEATURES);
    bad.write("<message><body>hi</message>");
    expect(await bad.waitFor("</stream:stream>")).toMatch(streamError("not-well-formed"));
    await bad.closed();
    const garbage = await client(port);
    garbage.write(Buffer.from([0xff, 0xfe, 0x00, 0x41]));
    expect(await garbage.waitFor("</stream:stream>")).toMatch(streamError("not-well-formed"));
    await garbage.closed();
    good.write("<iq type='get' id='still' to='localhost'><query xmlns='urn:test:nothing'/></iq>");
    expect(await good.waitFor('id="still"')).toContain("service-unavailable");
  });

  it("answers comments and DTDs with restricted-xml", async () => {
    const { port } = await server();
    const c = await client(port);
    c.open();
    await c.waitFor(FEATURES);
    c.write("<!-- hello -->");
    expect(await c.waitFor("</stream:stream>")).toMatch(streamError("restricted-xml"));
    await c.closed();
  });

  it("answers a stanza over c2s_stanza_size_limit with policy-violation before it has all arrived", async () => {
    const { port } = await server({ c2s_stanza_size_limit: 4096 });
    const good = await client(port);
    await login(good, "alice", "phone");
    const c = await client(port);
    await login(c, "bob", "desk");
    c.write(`<message to='alice@localhost'><body>${"x".repeat(8000)}`);
    expect(await c.waitFor("</stream:stream>")).toMatch(streamError("policy-violation"));
    await c.closed();
    expect(good.text).not.toContain("xxxx");
    good.write("<iq type='get' id='ok' to='localhost'><query xmlns='urn:test:nothing'/></iq>");
    await good.waitFor('id="ok"');
  });

  it("closes a client that never sends a stream header with connection-timeout (c2s_timeout)", async () => {
    const { port, api, t } = await server({ c2s_timeout: 20 });
    const slow = await client(port);
    slow.write("<?xml version='1.0'?><stream:stream xmlns='jabber:client' ");
    const good = await client(port);
    await login(good, "alice", "phone");
    await until(() => api.sessions().length === 2);
    await t.clock.advance(19);
    expect(slow.text).toBe("");
    await t.clock.advance(2);
    const text = await slow.waitFor("</stream:stream>");
    expect(text).toMatch(streamError("connection-timeout"));
    await slow.closed();
    // The authenticated client is not subject to the handshake timeout.
    expect(good.ended).toBe(false);
    expect(good.text).not.toContain("connection-timeout");
  });

  it("answers a stanza before authentication with not-authorized", async () => {
    const { port } = await server();
    const c = await client(port);
    c.open();
    await c.waitFor(FEATURES);
    c.write("<message to='bob@localhost'><body>spam</body></message>");
    expect(await c.waitFor("</stream:stream>")).toMatch(streamError("not-authorized"));
    await c.closed();
  });

  it("lets an IQ through before authentication when a module handles it (in-band registration)", async () => {
    const register = (module: Module) => {
      module.hook(
        "stanza/iq/jabber:iq:register:query",
        (event: { origin: { send(e: Element): void }; stanza: Element }) => {
          event.origin.send(new Element("iq", { type: "result", id: event.stanza.attrs.id }));
          return true;
        },
      );
    };
    const { port } = await server({ modules_enabled: ["c2s", "register"] }, { modules: { register } });
    const c = await client(port);
    c.open();
    await c.waitFor(FEATURES);
    c.write("<iq type='get' id='reg1'><query xmlns='jabber:iq:register'/></iq>");
    expect(await c.waitFor(`id="reg1"`)).toContain(`<iq type="result" id="reg1"/>`);
  });

  it("answers an element no module handles with unsupported-stanza-type", async () => {
    const { port } = await server();
    const c = await client(port);
    c.open();
    await c.waitFor(FEATURES);
    c.write("<enable xmlns='urn:xmpp:sm:3'/>");
    expect(await c.waitFor("</stream:stream>")).toMatch(streamError("unsupported-stanza-type"));
  });

  it("refuses unauthenticated connections over c2s_max_unauthed_per_ip, and counts only unauthenticated ones", async () => {
    const { port, api } = await server({ c2s_max_unauthed_per_ip: 2 });
    const a = await client(port);
    const b = await client(port);
    await until(() => api.sessions().length === 2);
    const refused = await client(port);
    expect(await refused.waitFor("</stream:stream>")).toMatch(streamError("policy-violation"));
    await refused.closed();
    await login(a, "alice", "phone");
    const c = await client(port);
    await until(() => api.sessions().length === 3);
    c.open();
    expect(await c.waitFor(FEATURES)).not.toContain("stream:error");
    expect(b.ended).toBe(false);
  });
});

describe("c2s lifecycle", () => {
  it("sends system-shutdown to every client when c2s is unloaded, and stops listening", async () => {
    const { port, t } = await server();
    const a = await client(port);
    await login(a, "alice", "phone");
    const b = await client(port);
    b.open();
    await b.waitFor(FEATURES);
    await t.server.manager.unload("*", "c2s");
    expect(await a.waitFor("</stream:stream>")).toMatch(streamError("system-shutdown"));
    expect(await b.waitFor("</stream:stream>")).toMatch(streamError("system-shutdown"));
    await Promise.all([a.closed(), b.closed()]);
    await expect(RawClient.connect(port)).rejects.toThrow(/ECONNREFUSED/);
  });

  it("sends system-shutdown when the server stops", async () => {
    const s = await server();
    const a = await client(s.port);
    await login(a, "alice", "phone");
    await s.t.stop();
    expect(await a.waitFor("</stream:stream>")).toMatch(streamError("system-shutdown"));
    await a.closed();
  });

  it("fails to load with the address and port when a port is taken", async () => {
    const { port } = await server();
    const other = await start({ c2s_ports: [port], c2s_direct_tls_ports: [], modules_enabled: [] });
    try {
      await expect(other.t.server.manager.load("localhost", "c2s")).rejects.toThrow(
        new RegExp(`c2s: cannot listen on 127.0.0.1 port ${port}: EADDRINUSE`),
      );
    } finally {
      await other.cleanup();
    }
  });
});

describe("c2s idle connections and hosts", () => {
  it("sends a whitespace keepalive after c2s_idle_timeout without input, and does not close", async () => {
    const { port, t } = await server({ c2s_idle_timeout: 60 });
    const c = await client(port);
    await login(c, "alice", "phone");
    await t.clock.advance(59);
    expect(c.text).toBe("");
    await t.clock.advance(2);
    await c.waitFor(" ");
    expect(c.text).toBe(" ");
    expect(c.ended).toBe(false);
  });

  it("lets a module answer c2s-read-timeout instead of the keepalive", async () => {
    const ping = (module: Module) => {
      module.hook("c2s-read-timeout", (event: { session: { send(e: Element): void } }) => {
        event.session.send(
          new Element("iq", { type: "get", id: "keepalive" }).c("ping", { xmlns: "urn:xmpp:ping" }).root(),
        );
        return true;
      });
    };
    const { port, t } = await server(
      { c2s_idle_timeout: 60, modules_enabled: ["c2s", "test_auth", "ping"] },
      { modules: { ping } },
    );
    const c = await client(port);
    await login(c, "alice", "phone");
    await t.clock.advance(61);
    expect(await c.waitFor("</iq>")).toContain(`id="keepalive"`);
  });

  it("closes a host's sessions with host-gone when the host is deactivated, keeping the others", async () => {
    const { port, t } = await server({ hosts: { localhost: {}, "other.example": {} } });
    const a = await client(port);
    await login(a, "alice", "phone");
    const b = await client(port);
    b.open("other.example");
    await b.waitFor(FEATURES);
    await t.server.deactivateHost("localhost");
    expect(await a.waitFor("</stream:stream>")).toMatch(streamError("host-gone"));
    expect(b.ended).toBe(false);
    const c = await client(port);
    c.open("localhost");
    expect(await c.waitFor("</stream:stream>")).toMatch(streamError("host-unknown"));
  });

  it("refuses to load with a clear error for a bad port option", async () => {
    const s = await server({ c2s_ports: ["fivetwotwotwo"], modules_enabled: [] } as never);
    await expect(s.t.server.manager.load("localhost", "c2s")).rejects.toThrow(
      /option c2s_ports: "fivetwotwotwo" is not a port number/,
    );
  });
});

describe("c2s rate limiting", () => {
  it("slows a flood down to limits.c2s without disconnecting it", async () => {
    const scheduler = cron.createScheduler();
    const { port } = await server({ limits: { c2s: { rate: "40kb/s", burst: "1s" } } }, { scheduler });
    const flood = await client(port);
    const quiet = await client(port);
    const began = Date.now();
    // 120 kB of inter-stanza whitespace, then a stream header: at 40 kB/s with a 40 kB burst, the
    // header cannot be read before about two seconds.
    flood.write(" ".repeat(120_000));
    flood.open();
    // Another session is not slowed by the first one's limit.
    quiet.open();
    await quiet.waitFor(FEATURES);
    expect(Date.now() - began).toBeLessThan(1000);
    await flood.waitFor(FEATURES, 8000);
    const elapsed = Date.now() - began;
    expect(elapsed).toBeGreaterThan(1500);
    expect(flood.ended).toBe(false);
    expect(flood.text).not.toContain("stream:error");
  }, 15_000);
});
