// Issue 11: XEP-0198 stream resumption with a real client library. @xmpp/client 0.14 enables stream
// management with resumption whenever the server offers <sm/>, keeps the resumption id and its
// inbound count `h` across a dropped connection, and on the next stream sends <resume/> instead of
// binding (falling back to a new bind when the server answers <failed/>).
//
// Quirks of @xmpp/client 0.14 the test works around:
// - A successful resumption does not emit "online" (`_ready(true)` only sets the status), and
//   `reconnect.reconnect()` resolves as soon as the new stream is open, before <resume/>: the test
//   waits for the stream-management object's own "resumed" event.
// - The "online" event (and so `start()`) comes from resource binding, before <enable/> is even
//   sent, and the inbound count `h` is zeroed when <enabled/> is handled, a tick after it was
//   parsed: a stanza in the same read as <enabled/> is counted, then forgotten, so the client's
//   `h` stays one short for the whole session and the server rightly sends that many again on
//   resumption (a duplicate) or stores them offline. The test logs in without initial presence,
//   waits until <enabled/> is handled, and only then lets anything be sent to the client.
// - IQ results are never counted in `h`: @xmpp/iq's caller middleware, registered before stream
//   management's, swallows the result of the client's own request without calling `next()`. So a
//   client that sent N IQs since <enable/> acknowledges N stanzas too few, and the server, keeping
//   those N (and what follows) as unacknowledged, sends them again on resumption. A client the
//   test drops therefore sends no IQ request while stream management is on; it checks that its
//   <a/> was handled with an <r/> round trip instead.
// - The library has no "drop the connection" call. @xmpp/tls's Socket keeps Node's TLSSocket in
//   `.socket`; after STARTTLS that TLSSocket owns the TCP handle, so destroying it closes the TCP
//   connection at once, with no TLS close_notify and no stream close. (Destroying the plain
//   net.Socket object under it instead closes the descriptor behind TLS's back: the library's next
//   write, an <a/> answering an <r/> read in the same chunk, then throws an uncaught EBADF.)
import type { EventEmitter } from "node:events";
import { Socket } from "node:net";
import { describe, expect, it } from "vitest";
import {
  type ConnectOptions,
  connect,
  iqErrorCondition,
  type TestClient,
  type XmlElement,
  xml,
} from "./clients.js";
import { serverFixture } from "./fixture.js";
import { LOGIN_MODULES, type ServerProcess } from "./harness.js";

const MODULES = [...LOGIN_MODULES, "ping", "smacks"];
/** A host whose sessions hibernate for two seconds only. */
const SHORT = "short.localhost";
const SM = "urn:xmpp:sm:3";

/** The parts of @xmpp/client 0.14 this test uses beyond xmpp-client.d.ts. */
interface ResumingClient {
  socket: { socket?: unknown } | null;
  reconnect: { reconnect(): Promise<void>; start(): void; stop(): void; delay: number };
  streamManagement: EventEmitter & { id: string; enabled: boolean; inbound: number };
}

const internals = (c: TestClient) => c.xmpp as unknown as ResumingClient;

/** The client's TLS socket, which owns the TCP connection's handle. */
function tlsSocketOf(c: TestClient): Socket {
  const tlsSocket = internals(c).socket?.socket;
  if (!(tlsSocket instanceof Socket)) throw new Error(`${c.jid}: the client has no TLS socket`);
  return tlsSocket;
}

/** Waits for `event` on `emitter`, failing after `timeoutMs` with `what`. */
function once(emitter: EventEmitter, event: string, what: string, timeoutMs = 10_000): Promise<unknown[]> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      emitter.off(event, listener);
      reject(new Error(`timed out waiting for ${what}`));
    }, timeoutMs);
    const listener = (...args: unknown[]) => {
      clearTimeout(timer);
      resolve(args);
    };
    emitter.once(event, listener);
  });
}

/** Resolves once the server logged `times` lines matching `pattern` (earlier lines count). */
function serverLogged(server: ServerProcess, pattern: RegExp, times = 1, timeoutMs = 10_000): Promise<void> {
  const seen = () => server.logs.filter((record) => pattern.test(String(record.msg))).length >= times;
  if (seen()) return Promise.resolve();
  return new Promise((resolve, reject) => {
    const stdout = server.child.stdout;
    const check = () => {
      if (!seen()) return;
      clearTimeout(timer);
      stdout?.off("data", check);
      resolve();
    };
    const timer = setTimeout(() => {
      stdout?.off("data", check);
      reject(new Error(`the server did not log ${pattern} ${times} time(s) in ${timeoutMs} ms`));
    }, timeoutMs);
    // The harness's own listener, added first, has parsed the chunk into `logs` already.
    stdout?.on("data", check);
  });
}

const escapeRegExp = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

const chat = (to: string, body: string) =>
  xml("message", { type: "chat", to, id: body }, xml("body", {}, body));

/** The bodies of the chat messages `c` received from `from` (a bare JID), in order. */
const bodiesFrom = (c: TestClient, from: string) =>
  c.received
    .filter((s) => s.name === "message" && s.attrs.from?.split("/")[0] === from)
    .map((s) => s.getChildText("body"))
    .filter((body): body is string => body !== null);

const isBody = (body: string) => (s: XmlElement) => s.name === "message" && s.getChildText("body") === body;

/**
 * One IQ round trip with the server: everything sent before it has been handled. Only for clients
 * the test does not drop: their `h` misses the result (see the quirks above).
 */
const roundTrip = (c: TestClient, domain = "localhost") =>
  c.iq("get", domain, xml("ping", { xmlns: "urn:xmpp:ping" }));

/**
 * Drops `c`'s connection abruptly (no stream close, no TLS close) as soon as it parses a stanza
 * matching `match`: whatever follows in the same read is parsed too, but never acknowledged.
 * Resolves once the library noticed.
 */
function dropOn(c: TestClient, match: (s: XmlElement) => boolean): Promise<unknown> {
  const disconnected = once(c.xmpp, "disconnect", `${c.jid} to notice the drop`);
  const listener = (stanza: XmlElement) => {
    if (!match(stanza)) return;
    c.xmpp.off("stanza", listener);
    tlsSocketOf(c).destroy();
  };
  c.xmpp.on("stanza", listener);
  return disconnected;
}

/** Resolves once the library has handled <enabled/> (a tick after it was parsed). */
async function smEnabled(c: TestClient): Promise<void> {
  const sm = internals(c).streamManagement;
  if (!sm.enabled) {
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`${c.jid}: no <enabled/> in 10 s`)), 10_000);
      const listener = (element: XmlElement) => {
        if (!element.is("enabled", SM)) return;
        c.xmpp.off("nonza", listener);
        clearTimeout(timer);
        setImmediate(resolve);
      };
      c.xmpp.on("nonza", listener);
    });
  }
  if (!sm.enabled || sm.id === "") throw new Error(`${c.jid}: stream management with resumption not enabled`);
}

/** An <r/> answered by the server: what the client sent before it (an <a/>) has been handled. */
async function ackRoundTrip(c: TestClient): Promise<void> {
  const answered = new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${c.jid}: the server did not answer <r/>`)), 10_000);
    const listener = (element: XmlElement) => {
      if (!element.is("a", SM)) return;
      c.xmpp.off("nonza", listener);
      clearTimeout(timer);
      resolve();
    };
    c.xmpp.on("nonza", listener);
  });
  await c.xmpp.send(xml("r", { xmlns: SM }));
  await answered;
}

/** Records what the client sends from now on. */
function recordSent(c: TestClient): XmlElement[] {
  const sent: XmlElement[] = [];
  c.xmpp.on("send", (element: XmlElement) => sent.push(element));
  return sent;
}

const isBind = (e: XmlElement) =>
  e.name === "iq" && e.getChild("bind", "urn:ietf:params:xml:ns:xmpp-bind") !== undefined;
const isResume = (e: XmlElement) => e.is("resume", SM);

describe("XEP-0198 resumption with @xmpp/client after a dropped TCP connection", () => {
  const t = serverFixture(
    {
      log_level: "debug",
      modules_enabled: MODULES,
      hosts: { localhost: {}, [SHORT]: { smacks_hibernation_time: 2 } },
    },
    {
      users: [
        "alice@localhost",
        "bob@localhost",
        "carol@localhost",
        "frank@localhost",
        `dora@${SHORT}`,
        `erin@${SHORT}`,
      ],
      cleanExit: true,
    },
  );
  const login = async (options: Omit<ConnectOptions, "port">) => {
    // No initial presence yet: nothing may reach the client in the same read as <enabled/>.
    const c = t.track(await connect({ port: t.server.port, ...options }, false));
    await smEnabled(c);
    await c.xmpp.send(xml("presence"));
    await c.waitFor((st) => st.name === "presence" && st.attrs.from === c.jid, 10_000, "its own presence");
    return c;
  };

  it("resumes the same session and delivers what was in flight and what came during the outage, once each, in order", async () => {
    const a = await login({ username: "alice", password: "alice-pw", resource: "phone" });
    const b = await login({ username: "bob", password: "bob-pw", resource: "desk" });
    const s = t.server;
    const sent = recordSent(a);
    let onlineAgain = 0;
    a.xmpp.on("online", () => onlineAgain++);

    // Sent by the client, not yet acknowledged by the server when the connection drops: the
    // library keeps it queued and sends it again only if <resumed h/> says the server lacks it.
    await a.xmpp.send(chat(b.jid, "from-a"));

    // In flight: the client is cut as soon as it parses the first one, so it acknowledges none.
    const dropped = dropOn(a, isBody("flight-1"));
    const flight = ["flight-1", "flight-2", "flight-3"];
    for (const body of flight) await b.xmpp.send(chat(a.jid, body));
    await dropped;
    await serverLogged(s, new RegExp(`${escapeRegExp(a.jid)} hibernates`));

    // During the outage, to the full JID (only the hibernating session can take these), and to the
    // bare JID (the hibernating session is still the account's available resource).
    const outage = ["outage-1", "outage-2", "outage-3", "outage-4", "outage-5"];
    for (const body of outage) await b.xmpp.send(chat(a.jid, body));
    await b.xmpp.send(chat("alice@localhost", "outage-bare"));
    outage.push("outage-bare");
    // An IQ request waits in the queue too, and the library answers it once resumed.
    const pinged = b.iq("get", a.jid, xml("ping", { xmlns: "urn:xmpp:ping" }));
    await roundTrip(b);

    const resumed = once(internals(a).streamManagement, "resumed", `${a.jid} to resume`);
    await internals(a).reconnect.reconnect();
    await resumed;
    expect(sent.filter(isResume)).toHaveLength(1);
    expect(sent.filter(isBind)).toHaveLength(0);
    expect(onlineAgain).toBe(0);
    expect(String(a.xmpp.jid)).toBe(a.jid);
    expect((await pinged).attrs.from).toBe(a.jid);

    // After the resumption, both ways, still under the same full JID.
    await b.xmpp.send(chat(a.jid, "after"));
    await a.waitFor(isBody("after"), 10_000, "the message sent after the resumption");
    await a.xmpp.send(chat(b.jid, "reply"));
    const reply = await b.waitFor(isBody("reply"), 10_000, "alice's reply");
    expect(reply.attrs.from).toBe(a.jid);

    expect(bodiesFrom(a, "bob@localhost")).toEqual([...flight, ...outage, "after"]);
    expect(bodiesFrom(b, "alice@localhost")).toEqual(["from-a", "reply"]);
  });

  it("resumes through the library's own reconnect, without losing what was in flight", async () => {
    const a = await login({ username: "carol", password: "carol-pw", resource: "laptop" });
    const b = await login({ username: "bob", password: "bob-pw", resource: "tablet" });
    const sent = recordSent(a);
    const sm = internals(a).streamManagement;
    internals(a).reconnect.start();

    const dropped = dropOn(a, isBody("burst-1"));
    const burst = Array.from({ length: 20 }, (_, i) => `burst-${i + 1}`);
    const resumed = once(sm, "resumed", `${a.jid} to resume on its own`);
    for (const body of burst) await b.xmpp.send(chat(a.jid, body));
    await dropped;
    await resumed;
    internals(a).reconnect.stop();
    expect(sent.filter(isResume)).toHaveLength(1);
    expect(sent.filter(isBind)).toHaveLength(0);

    await b.xmpp.send(chat(a.jid, "after"));
    await a.waitFor(isBody("after"), 10_000, "the message sent after the resumption");
    expect(bodiesFrom(a, "bob@localhost")).toEqual([...burst, "after"]);
  });

  it("resumes the same session again and again, and a clean close afterwards leaves nothing to send again", async () => {
    const a = await login({ username: "frank", password: "frank-pw", resource: "phone" });
    const b = await login({ username: "bob", password: "bob-pw", resource: "watch" });
    const s = t.server;
    const sent = recordSent(a);
    const sm = internals(a).streamManagement;
    const id = sm.id;
    const expected: string[] = [];
    for (const round of [1, 2, 3]) {
      const dropped = dropOn(a, isBody(`round${round}-1`));
      const flight = [1, 2, 3].map((n) => `round${round}-${n}`);
      for (const body of flight) await b.xmpp.send(chat(a.jid, body));
      await dropped;
      await serverLogged(s, new RegExp(`${escapeRegExp(a.jid)} hibernates`), round);
      const outage = `round${round}-outage`;
      await b.xmpp.send(chat(a.jid, outage));
      await roundTrip(b);
      const resumed = once(sm, "resumed", `${a.jid} to resume (round ${round})`);
      await internals(a).reconnect.reconnect();
      await resumed;
      // The resumed stream goes on under the same id: the next drop resumes it again.
      expect(sm.id).toBe(id);
      expected.push(...flight, outage);
    }
    expect(sent.filter(isResume)).toHaveLength(3);
    expect(sent.filter(isBind)).toHaveLength(0);
    await b.xmpp.send(chat(a.jid, "last"));
    await a.waitFor(isBody("last"), 10_000, "the message after the third resumption");
    expect(bodiesFrom(a, "bob@localhost")).toEqual([...expected, "last"]);

    // The library acknowledges everything before its stream close: nothing is stored offline.
    await a.stop();
    const again = await login({ username: "frank", password: "frank-pw", resource: "phone" });
    await roundTrip(again);
    expect(bodiesFrom(again, "bob@localhost")).toEqual([]);
  });

  it("stores what the session never acknowledged offline once it hibernated too long, for the next login", async () => {
    const a = await login({ username: "dora", password: "dora-pw", resource: "phone", domain: SHORT });
    const b = await login({ username: "erin", password: "erin-pw", resource: "desk", domain: SHORT });
    const s = t.server;
    const sent = recordSent(a);

    // Received and acknowledged before the drop: never delivered again.
    await b.xmpp.send(chat(a.jid, "acked"));
    await a.waitFor(isBody("acked"), 10_000, "the acknowledged message");
    const handled = internals(a).streamManagement.inbound;
    while (!sent.some((e) => e.is("a", SM) && Number(e.attrs.h) >= handled)) {
      await once(a.xmpp, "send", "the acknowledgement of the first message");
    }
    await ackRoundTrip(a);

    const dropped = dropOn(a, isBody("flight-1"));
    const flight = ["flight-1", "flight-2"];
    for (const body of flight) await b.xmpp.send(chat(a.jid, body));
    await dropped;
    await serverLogged(s, new RegExp(`${escapeRegExp(a.jid)} hibernates`));
    const outage = ["outage-1", "outage-2", "outage-3"];
    for (const body of outage) await b.xmpp.send(chat(a.jid, body));
    await b.xmpp.send(chat(`dora@${SHORT}`, "outage-bare"));
    outage.push("outage-bare");
    // An IQ request nobody will answer: the sender learns so when the session finally ends.
    const refused = iqErrorCondition(b.iq("get", a.jid, xml("ping", { xmlns: "urn:xmpp:ping" })));
    await roundTrip(b, SHORT);
    await serverLogged(s, new RegExp(`${escapeRegExp(a.jid)} hibernated too long`));
    expect(await refused).toBe("recipient-unavailable");
    await serverLogged(
      s,
      new RegExp(`${escapeRegExp(a.jid)}: \\d+ unacknowledged message\\(s\\) routed again`),
    );

    // The library tries to resume, is refused, binds anew and announces itself: offline delivery.
    const before = a.received.length;
    const online = once(a.xmpp, "online", `${a.jid} to bind again`);
    await internals(a).reconnect.reconnect();
    await online;
    expect(sent.filter(isResume)).toHaveLength(1);
    await a.xmpp.send(xml("presence"));
    await a.waitFor(
      (st) => a.received.indexOf(st) >= before && isBody("outage-bare")(st),
      10_000,
      "the last offline message",
    );
    const offline = a.received.slice(before).filter((st) => st.name === "message");
    // Everything unacknowledged, including what the client had parsed but not acknowledged
    // (XEP-0198 is at-least-once for those), stamped with when it was first sent.
    expect(offline.map((m) => m.getChildText("body"))).toEqual([...flight, ...outage]);
    for (const message of offline) expect(message.getChild("delay", "urn:xmpp:delay")).toBeDefined();
  });

  it("logged no warning or error while sessions dropped, hibernated and resumed", () => {
    const bad = t.server.logs.filter((record) => Number(record.level) >= 40);
    expect(bad.map((record) => record.msg)).toEqual([]);
  });
});
