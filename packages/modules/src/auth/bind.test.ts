import { type Element, iq, type TestServer } from "canto";
import { afterEach, describe, expect, it } from "vitest";
import { createAccount } from "./accounts.js";
import { authServer, type FakeC2s, fakeSession, features, plainLogin } from "./fake-session.test-helper.js";

let t: TestServer | undefined;
afterEach(async () => {
  await t?.stop();
  t = undefined;
});

const NS_BIND = "urn:ietf:params:xml:ns:xmpp-bind";

function bindIq(id: string, resource?: string): Element {
  const bind = iq({ type: "set", id }).c("bind", { xmlns: NS_BIND });
  if (resource !== undefined) bind.c("resource").t(resource);
  return bind.root();
}

const errorOf = (stanza: Element | undefined) =>
  (
    stanza
      ?.getChild("error")
      ?.children.find((c) => typeof c === "object" && (c as Element).name !== "text") as Element | undefined
  )?.name;

const boundJid = (session: FakeC2s) => session.sent.at(-1)?.getChild("bind", NS_BIND)?.getChildText("jid");

async function loggedIn(server: TestServer, username = "alice"): Promise<FakeC2s> {
  const session = fakeSession(server);
  await plainLogin(server, session, username, "pw");
  if (session.type !== "c2s") throw new Error(`login failed: ${session.sent.at(-1)}`);
  return session;
}

async function setup(options: Record<string, unknown> = {}) {
  t = await authServer(options);
  await createAccount(t.server, "localhost", "alice", "pw");
  return t;
}

describe("bind stream features", () => {
  it("offers bind and an optional legacy session only after authentication and before binding", async () => {
    const server = await setup();
    const session = fakeSession(server);
    expect((await features(server, session)).getChild("bind", NS_BIND)).toBeUndefined();
    await plainLogin(server, session, "alice", "pw");
    const offered = await features(server, session);
    expect(offered.getChild("bind", NS_BIND)).toBeDefined();
    expect(
      offered.getChild("session", "urn:ietf:params:xml:ns:xmpp-session")?.getChild("optional"),
    ).toBeDefined();
    expect(offered.getChild("mechanisms")).toBeUndefined();
    await server.server.process(session, bindIq("b"));
    expect((await features(server, session)).getChild("bind")).toBeUndefined();
  });
});

describe("resource binding (RFC 6120 §7)", () => {
  it("binds a server-generated resource when none is asked for", async () => {
    const server = await setup();
    const session = await loggedIn(server);
    let bound: unknown;
    server.server.host("localhost")!.events.hook("resource-bind", (e) => {
      bound = (e as { session: unknown }).session;
    });
    await server.server.process(session, bindIq("b1"));
    const jid = boundJid(session);
    expect(jid).toMatch(/^alice@localhost\/.+/);
    expect(session.fullJid).toBe(jid);
    expect(server.server.sessions.full(jid!)).toBe(session);
    expect(bound).toBe(session);
  });

  it("binds the requested resource, resourceprep'd", async () => {
    const server = await setup();
    const session = await loggedIn(server);
    await server.server.process(session, bindIq("b1", "  Phone "));
    expect(boundJid(session)).toBe("alice@localhost/Phone");
    expect(session.sent.at(-1)!.attrs).toMatchObject({ type: "result", id: "b1" });
  });

  it("refuses a resource that fails resourceprep with bad-request", async () => {
    const server = await setup();
    const session = await loggedIn(server);
    await server.server.process(session, bindIq("b1", "bad\u0000res"));
    expect(errorOf(session.sent.at(-1))).toBe("bad-request");
    expect(session.fullJid).toBeUndefined();
  });

  it("refuses a second bind on a bound session with not-allowed", async () => {
    const server = await setup();
    const session = await loggedIn(server);
    await server.server.process(session, bindIq("b1", "one"));
    await server.server.process(session, bindIq("b2", "two"));
    expect(errorOf(session.sent.at(-1))).toBe("not-allowed");
    expect(session.fullJid).toBe("alice@localhost/one");
  });

  it("kicks the old session on conflict by default (on_conflict = kick_old)", async () => {
    const server = await setup();
    const first = await loggedIn(server);
    await server.server.process(first, bindIq("b1", "phone"));
    const second = await loggedIn(server);
    await server.server.process(second, bindIq("b2", "phone"));
    expect(boundJid(second)).toBe("alice@localhost/phone");
    expect(first.closed).toEqual(["conflict: Replaced by new connection"]);
    expect(server.server.sessions.full("alice@localhost/phone")).toBe(second);
  });

  it("refuses the new session with conflict under on_conflict = kick_new", async () => {
    const server = await setup({ on_conflict: "kick_new" });
    const first = await loggedIn(server);
    await server.server.process(first, bindIq("b1", "phone"));
    const second = await loggedIn(server);
    await server.server.process(second, bindIq("b2", "phone"));
    expect(errorOf(second.sent.at(-1))).toBe("conflict");
    expect(server.server.sessions.full("alice@localhost/phone")).toBe(first);
  });

  it("gives the new session another resource under increment and random", async () => {
    for (const policy of ["increment", "random"]) {
      const server = await setup({ on_conflict: policy });
      const first = await loggedIn(server);
      await server.server.process(first, bindIq("b1", "phone"));
      const second = await loggedIn(server);
      await server.server.process(second, bindIq("b2", "phone"));
      const jid = boundJid(second);
      expect(jid).not.toBe("alice@localhost/phone");
      if (policy === "increment") expect(jid).toBe("alice@localhost/phone#2");
      expect(first.closed).toEqual([]);
      await server.stop();
      t = undefined;
    }
  });

  it("refuses other stanzas before binding (router) and answers the legacy session IQ after", async () => {
    const server = await setup();
    const session = await loggedIn(server);
    const legacy = iq({ type: "set", id: "s1" })
      .c("session", { xmlns: "urn:ietf:params:xml:ns:xmpp-session" })
      .root();
    await server.server.process(session, legacy);
    expect(errorOf(session.sent.at(-1))).toBe("not-authorized");
    await server.server.process(session, bindIq("b1", "x"));
    const again = iq({ type: "set", id: "s2" })
      .c("session", { xmlns: "urn:ietf:params:xml:ns:xmpp-session" })
      .root();
    await server.server.process(session, again);
    expect(session.sent.at(-1)!.attrs).toMatchObject({ type: "result", id: "s2" });
    expect(session.sent.at(-1)!.children).toEqual([]);
  });
});
