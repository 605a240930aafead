import { type CantoConfig, Element } from "canto";
import { afterEach, describe, expect, it } from "vitest";
import { imModules } from "../im/index.js";
import type { C2sSession } from "../shared/contracts.js";
import { RawClient } from "./raw-client.test-helper.js";
import { FEATURES, login, type Started, start, until } from "./transport.test-helper.js";

const SM = "urn:xmpp:sm:3";

let current: Started | undefined;
const clients: RawClient[] = [];
afterEach(async () => {
  for (const client of clients.splice(0)) client.destroy();
  await current?.cleanup();
  current = undefined;
});

async function server(config: CantoConfig = {}): Promise<Started> {
  current = await start(
    {
      modules_enabled: ["c2s", "test_auth", "smacks", "roster", "presence", "message", "offline"],
      ...config,
    } as CantoConfig,
    { modules: imModules },
  );
  return current;
}

async function client(port: number): Promise<RawClient> {
  const c = await RawClient.connect(port);
  clients.push(c);
  return c;
}

/** Logs in, binds and enables stream management; returns the resumption id (if any). */
async function enabled(port: number, user: string, resource: string, attrs = " resume='true'") {
  const c = await client(port);
  await login(c, user, resource);
  c.write(`<enable xmlns='${SM}'${attrs}/>`);
  const text = await c.waitFor("<enabled");
  const id = /<enabled [^>]*id="([^"]+)"/.exec(text)?.[1];
  c.clear();
  return { c, id };
}

/** A new connection authenticated as `user` (stream restarted, not bound): ready for `<resume/>`. */
async function authenticated(port: number, user: string): Promise<RawClient> {
  const c = await client(port);
  c.open();
  await c.waitFor(FEATURES);
  c.write(`<auth xmlns='urn:test:auth' user='${user}'/>`);
  await c.waitFor("<success");
  c.clear();
  c.open();
  await c.waitFor(FEATURES);
  c.clear();
  return c;
}

const chat = (to: string, body: string) =>
  `<message type='chat' to='${to}' id='${body}'><body>${body}</body></message>`;

function sessionOf(s: Started, fullJid: string) {
  return s.api.sessions().find((session) => session.fullJid === fullJid) as
    | (C2sSession & { hibernating?: boolean })
    | undefined;
}

describe("smacks: enabling and acknowledgements", () => {
  it("offers <sm/> only after authentication, and enables resumption with an id and max", async () => {
    const { port } = await server();
    const c = await client(port);
    c.open();
    expect(await c.waitFor(FEATURES)).not.toContain(SM);
    c.clear();
    c.write(`<auth xmlns='urn:test:auth' user='alice'/>`);
    await c.waitFor("<success");
    c.clear();
    c.open();
    expect(await c.waitFor(FEATURES)).toContain(`<sm xmlns="${SM}"/>`);
    c.clear();
    // Before binding: XEP-0198 §3 unexpected-request.
    c.write(`<enable xmlns='${SM}' resume='true'/>`);
    expect(await c.waitFor("</failed>")).toContain(
      `<failed xmlns="${SM}"><unexpected-request xmlns="urn:ietf:params:xml:ns:xmpp-stanzas"/></failed>`,
    );
    c.clear();
    c.write(`<iq type='set' id='b1'><bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'/></iq>`);
    await c.waitFor("</jid>");
    c.clear();
    c.write(`<enable xmlns='${SM}' resume='true'/>`);
    const text = await c.waitFor("<enabled");
    expect(text).toMatch(/<enabled xmlns="urn:xmpp:sm:3" id="[A-Za-z0-9_-]{24}" resume="true" max="600"\/>/);
    c.clear();
    c.write(`<enable xmlns='${SM}'/>`);
    expect(await c.waitFor("</failed>")).toContain("<unexpected-request");
  });

  it("enables without resumption (no id), and honours a smaller client max", async () => {
    const { port } = await server({ smacks_hibernation_time: 300 });
    const plain = await enabled(port, "alice", "one", "");
    expect(plain.id).toBeUndefined();
    const short = await client(port);
    await login(short, "alice", "two");
    short.write(`<enable xmlns='${SM}' resume='1' max='60'/>`);
    expect(await short.waitFor("<enabled")).toMatch(/resume="true" max="60"/);
  });

  it("promises no resumption to a session its transport cannot carry over to a new connection", async () => {
    const { t } = await server();
    // An in-process session: bound as a client is, but it has no carry().
    const local = t.connect("alice@localhost/local");
    await local.process(new Element("enable", { xmlns: SM, resume: "true" }));
    const answer = local.received.find((e) => e.is("enabled", SM) || e.is("failed", SM));
    expect(answer?.toString()).toBe(`<enabled xmlns="${SM}"/>`);
    // Stream management itself is on: an ack request is answered.
    await local.process(new Element("r", { xmlns: SM }));
    expect(local.received.find((e) => e.is("a", SM))?.attrs.h).toBe("0");
  });

  it("counts handled stanzas (<r/> → <a h/>) and asks for acks of what it sends", async () => {
    const { port } = await server();
    const { c } = await enabled(port, "alice", "phone");
    c.write(`<r xmlns='${SM}'/>`);
    expect(await c.waitFor("<a ")).toContain(`<a xmlns="${SM}" h="0"/>`);
    c.clear();
    // Two stanzas from the client: an IQ nobody handles (answered with an error) and a presence.
    c.write("<iq type='get' id='q1' to='localhost'><query xmlns='urn:test:nothing'/></iq><presence/>");
    await c.waitFor("service-unavailable");
    // Its error reply is a stanza of ours: an ack request follows (smacks_max_unacked_stanzas = 0).
    await c.waitFor(`<r xmlns="${SM}"/>`);
    c.clear();
    c.write(`<r xmlns='${SM}'/>`);
    expect(await c.waitFor("<a ")).toContain(`<a xmlns="${SM}" h="2"/>`);
  });

  it("asks for an ack instead of a whitespace keepalive when the client is quiet", async () => {
    const s = await server({ c2s_idle_timeout: 60 });
    const { c } = await enabled(s.port, "alice", "phone");
    s.t.clock.advance(61);
    await c.waitFor(`<r xmlns="${SM}"/>`);
    c.clear();
    // Unanswered: the next idle period falls back to c2s's whitespace keepalive.
    s.t.clock.advance(61);
    await c.waitFor(" ");
    expect(c.text).not.toContain("<r ");
  });

  it("drops what <a h/> acknowledges: a resumption sends only the rest again", async () => {
    const s = await server();
    const { c, id } = await enabled(s.port, "alice", "phone");
    const bob = await client(s.port);
    await login(bob, "bob", "pc");
    bob.write(chat("alice@localhost/phone", "first") + chat("alice@localhost/phone", "second"));
    await c.waitFor("second</body>");
    c.write(`<a xmlns='${SM}' h='1'/>`);
    // A stanza after the ack shows it was processed before the drop.
    c.write(`<r xmlns='${SM}'/>`);
    await c.waitFor("<a ");
    c.destroy();
    await until(() => sessionOf(s, "alice@localhost/phone")?.hibernating === true);
    const again = await authenticated(s.port, "alice");
    again.write(`<resume xmlns='${SM}' previd='${id}' h='1'/>`);
    const text = await again.waitFor("second</body>");
    expect(text).not.toContain("first</body>");
    // h counts what alice sent: nothing.
    expect(text).toMatch(/<resumed xmlns="urn:xmpp:sm:3" h="0" previd="[^"]+"\/>/);
  });

  it("answers an <a h/> beyond what was sent with an undefined-condition stream error", async () => {
    const { port } = await server();
    const { c } = await enabled(port, "alice", "phone");
    c.write(`<a xmlns='${SM}' h='5'/>`);
    const text = await c.waitFor("</stream:stream>");
    expect(text).toContain("<undefined-condition");
    expect(text).toContain(`<handled-count-too-high xmlns="${SM}" h="5" send-count="0"/>`);
    await c.closed();
  });
});

describe("smacks: hibernation and resumption", () => {
  it("keeps a dropped session bound and delivers, after <resume/>, what came in the meantime", async () => {
    const s = await server();
    let unbound = 0;
    s.t.server.host("localhost")!.events.hook("resource-unbind", () => {
      unbound++;
    });
    const { c, id } = await enabled(s.port, "alice", "phone");
    const original = s.t.server.sessions.full("alice@localhost/phone");
    const bob = await client(s.port);
    await login(bob, "bob", "pc");
    c.destroy();
    await until(() => sessionOf(s, "alice@localhost/phone")?.hibernating === true);
    expect(unbound).toBe(0);
    bob.write(chat("alice@localhost/phone", "while-away"));
    // The hibernating session takes the message into its queue.
    await new Promise((resolve) => setTimeout(resolve, 50));
    const again = await authenticated(s.port, "alice");
    again.write(`<resume xmlns='${SM}' previd='${id}' h='0'/>`);
    const text = await again.waitFor("while-away</body>");
    expect(text.indexOf("<resumed")).toBeLessThan(text.indexOf("while-away"));
    expect(s.t.server.sessions.full("alice@localhost/phone")).toBe(original);
    expect(unbound).toBe(0);
    // The stream goes on as the resumed session: its stanzas come from alice@localhost/phone.
    again.clear();
    again.write(chat("bob@localhost/pc", "back"));
    expect(await bob.waitFor("back</body>")).toContain('from="alice@localhost/phone"');
    again.write(`<r xmlns='${SM}'/>`);
    expect(await again.waitFor("<a ")).toContain('h="1"');
    // A second drop hibernates again; a clean close then ends the session.
    again.destroy();
    await until(() => sessionOf(s, "alice@localhost/phone")?.hibernating === true);
    const third = await authenticated(s.port, "alice");
    third.write(`<resume xmlns='${SM}' previd='${id}' h='1'/>`);
    await third.waitFor("<resumed");
    third.write("</stream:stream>");
    await third.closed();
    await until(() => unbound === 1);
    expect(s.t.server.sessions.full("alice@localhost/phone")).toBeUndefined();
  });

  it("takes the session over from a connection the server still thinks is open", async () => {
    const s = await server();
    const { c, id } = await enabled(s.port, "alice", "phone");
    const again = await authenticated(s.port, "alice");
    again.write(`<resume xmlns='${SM}' previd='${id}' h='0'/>`);
    await again.waitFor("<resumed");
    const old = await c.waitFor("</stream:stream>");
    expect(old).toContain("<conflict");
    await c.closed();
    // The old socket's close does not end the session.
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(s.t.server.sessions.full("alice@localhost/phone")).toBeDefined();
    again.write(`<r xmlns='${SM}'/>`);
    await again.waitFor("<a ");
  });

  it("takes a resumed session over again from a third connection while the second is still open", async () => {
    const s = await server();
    let unbound = 0;
    s.t.server.host("localhost")!.events.hook("resource-unbind", () => {
      unbound++;
    });
    const { c, id } = await enabled(s.port, "alice", "phone");
    const bob = await client(s.port);
    await login(bob, "bob", "pc");
    c.destroy();
    await until(() => sessionOf(s, "alice@localhost/phone")?.hibernating === true);
    const second = await authenticated(s.port, "alice");
    second.write(`<resume xmlns='${SM}' previd='${id}' h='0'/>`);
    await second.waitFor("<resumed");
    bob.write(chat("alice@localhost/phone", "one"));
    await second.waitFor("one</body>");
    // A client whose second connection went quiet resumes from a third, having handled "one".
    const third = await authenticated(s.port, "alice");
    third.write(`<resume xmlns='${SM}' previd='${id}' h='1'/>`);
    await third.waitFor("<resumed");
    expect(await second.waitFor("</stream:stream>")).toContain("<conflict");
    await second.closed();
    // Nothing sent again ("one" was acknowledged by h), and the replaced connection's close neither
    // ended nor hibernated the session.
    bob.write(chat("alice@localhost/phone", "two"));
    const text = await third.waitFor("two</body>");
    expect(text).not.toContain("one</body>");
    expect(unbound).toBe(0);
    expect(sessionOf(s, "alice@localhost/phone")?.hibernating).toBe(false);
    third.clear();
    third.write(chat("bob@localhost/pc", "back"));
    expect(await bob.waitFor("back</body>")).toContain('from="alice@localhost/phone"');
    // The third connection dropping hibernates the session once more: it stays resumable.
    third.destroy();
    await until(() => sessionOf(s, "alice@localhost/phone")?.hibernating === true);
    const fourth = await authenticated(s.port, "alice");
    fourth.write(`<resume xmlns='${SM}' previd='${id}' h='2'/>`);
    expect(await fourth.waitFor("<resumed")).toContain('h="1"');
    expect(unbound).toBe(0);
  });

  it("ends the session on a clean close instead of hibernating", async () => {
    const s = await server();
    let unbound = 0;
    s.t.server.host("localhost")!.events.hook("resource-unbind", () => {
      unbound++;
    });
    const { c, id } = await enabled(s.port, "alice", "phone");
    c.write("</stream:stream>");
    await c.closed();
    await until(() => unbound === 1);
    const again = await authenticated(s.port, "alice");
    again.write(`<resume xmlns='${SM}' previd='${id}' h='0'/>`);
    expect(await again.waitFor("</failed>")).toContain("<item-not-found");
  });

  it("refuses unknown ids, another account's id, and <resume/> before authentication", async () => {
    const s = await server();
    const { c, id } = await enabled(s.port, "alice", "phone");
    c.destroy();
    await until(() => sessionOf(s, "alice@localhost/phone")?.hibernating === true);
    const wrong = await authenticated(s.port, "alice");
    wrong.write(`<resume xmlns='${SM}' previd='nonsense' h='0'/>`);
    expect(await wrong.waitFor("</failed>")).toContain(
      `<failed xmlns="${SM}"><item-not-found xmlns="urn:ietf:params:xml:ns:xmpp-stanzas"/></failed>`,
    );
    const mallory = await authenticated(s.port, "mallory");
    mallory.write(`<resume xmlns='${SM}' previd='${id}' h='0'/>`);
    expect(await mallory.waitFor("</failed>")).toContain("<item-not-found");
    const anonymous = await client(s.port);
    anonymous.open();
    await anonymous.waitFor(FEATURES);
    anonymous.write(`<resume xmlns='${SM}' previd='${id}' h='0'/>`);
    expect(await anonymous.waitFor("</failed>")).toContain("<unexpected-request");
    // None of that disturbed the hibernating session.
    expect(sessionOf(s, "alice@localhost/phone")?.hibernating).toBe(true);
  });
});

describe("smacks: the session finally goes away", () => {
  it("after smacks_hibernation_time, destroys it and routes its unacked chat to another resource", async () => {
    const s = await server();
    let unbound = 0;
    s.t.server.host("localhost")!.events.hook("resource-unbind", () => {
      unbound++;
    });
    const { c, id } = await enabled(s.port, "alice", "phone");
    c.write("<presence/>");
    const laptop = await client(s.port);
    await login(laptop, "alice", "laptop");
    laptop.write("<presence/>");
    const bob = await client(s.port);
    await login(bob, "bob", "pc");
    bob.write(chat("alice@localhost/phone", "unacked"));
    await c.waitFor("unacked</body>");
    c.destroy();
    await until(() => sessionOf(s, "alice@localhost/phone")?.hibernating === true);
    laptop.clear();
    s.t.clock.advance(599);
    await new Promise((resolve) => setTimeout(resolve, 30));
    expect(unbound).toBe(0);
    s.t.clock.advance(2);
    const text = await laptop.waitFor("unacked</body>");
    expect(text).toMatch(/<delay xmlns="urn:xmpp:delay" from="localhost" stamp="[^"]+"\/>/);
    expect(text).toContain('from="bob@localhost/pc"');
    expect(unbound).toBe(1);
    expect(s.t.server.sessions.full("alice@localhost/phone")).toBeUndefined();
    const late = await authenticated(s.port, "alice");
    late.write(`<resume xmlns='${SM}' previd='${id}' h='0'/>`);
    expect(await late.waitFor("</failed>")).toContain("<item-not-found");
  });

  it("answers an IQ request it never delivered with recipient-unavailable, and drops presence", async () => {
    const s = await server({ smacks_hibernation_time: 10 });
    const { c } = await enabled(s.port, "alice", "phone");
    const bob = await client(s.port);
    await login(bob, "bob", "pc");
    c.destroy();
    await until(() => sessionOf(s, "alice@localhost/phone")?.hibernating === true);
    bob.write(
      "<iq type='get' id='ping1' to='alice@localhost/phone'><ping xmlns='urn:xmpp:ping'/></iq>" +
        "<presence type='probe' to='alice@localhost/phone'/>",
    );
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(bob.text).not.toContain("ping1");
    s.t.clock.advance(11);
    const text = await bob.waitFor("</iq>");
    expect(text).toMatch(/<iq [^>]*type="error"[^>]*>/);
    expect(text).toContain('id="ping1"');
    expect(text).toContain("<recipient-unavailable");
  });

  it("ends a session without resumption when its connection drops", async () => {
    const s = await server();
    let unbound = 0;
    s.t.server.host("localhost")!.events.hook("resource-unbind", () => {
      unbound++;
    });
    const { c, id } = await enabled(s.port, "alice", "phone", "");
    expect(id).toBeUndefined();
    c.destroy();
    await until(() => unbound === 1);
    expect(s.t.server.sessions.full("alice@localhost/phone")).toBeUndefined();
  });

  it("ends a hibernating session whose queue outgrows smacks_max_queue_size, storing its chat", async () => {
    const s = await server({ smacks_max_queue_size: 2 });
    // No presence: nothing but the two messages gets into the queue.
    const { c } = await enabled(s.port, "alice", "phone");
    const bob = await client(s.port);
    await login(bob, "bob", "pc");
    c.destroy();
    await until(() => sessionOf(s, "alice@localhost/phone")?.hibernating === true);
    bob.write(chat("alice@localhost/phone", "m1") + chat("alice@localhost/phone", "m2"));
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(s.t.server.sessions.full("alice@localhost/phone")).toBeDefined();
    bob.write(chat("alice@localhost/phone", "m3"));
    await until(() => s.t.server.sessions.full("alice@localhost/phone") === undefined);
    const back = await client(s.port);
    await login(back, "alice", "tablet");
    back.write("<presence/>");
    const text = await back.waitFor("m3</body>");
    expect(text).toContain("m1</body>");
    expect(text).toContain("m2</body>");
  });

  it("stores the unacked chat offline when no other resource is there", async () => {
    const s = await server({ smacks_hibernation_time: 30 });
    const { c } = await enabled(s.port, "alice", "phone");
    c.write("<presence/>");
    const bob = await client(s.port);
    await login(bob, "bob", "pc");
    bob.write(chat("alice@localhost/phone", "keep-me"));
    await c.waitFor("keep-me</body>");
    c.destroy();
    await until(() => sessionOf(s, "alice@localhost/phone")?.hibernating === true);
    // Sent while hibernating: queued, never delivered, so stored as well.
    bob.write(chat("alice@localhost/phone", "meanwhile"));
    await new Promise((resolve) => setTimeout(resolve, 50));
    s.t.clock.advance(31);
    await until(() => s.t.server.sessions.full("alice@localhost/phone") === undefined);
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(bob.text).not.toContain("service-unavailable");
    const back = await client(s.port);
    await login(back, "alice", "tablet");
    back.write("<presence/>");
    const text = await back.waitFor("meanwhile</body>");
    expect(text).toContain("keep-me</body>");
  });
});
