import { type Element, iq, type TestServer } from "canto";
import { afterEach, describe, expect, it } from "vitest";
import { accountExists, accountProvider, createAccount } from "./accounts.js";
import { authServer, fakeSession, features, last, scramLogin } from "./fake-session.test-helper.js";

let t: TestServer | undefined;
afterEach(async () => {
  await t?.stop();
  t = undefined;
});

const NS = "jabber:iq:register";

function registerIq(
  type: "get" | "set",
  id: string,
  fields: Record<string, string> = {},
  remove = false,
): Element {
  const query = iq({ type, id }).c("query", { xmlns: NS });
  for (const [name, value] of Object.entries(fields)) query.c(name).t(value);
  if (remove) query.c("remove");
  return query.root();
}

const errorOf = (stanza: Element | undefined) =>
  stanza?.attrs.type === "error"
    ? (
        stanza
          .getChild("error")
          ?.children.find((c) => typeof c === "object" && (c as Element).name !== "text") as
          | Element
          | undefined
      )?.name
    : stanza?.attrs.type;

describe("register before authentication (XEP-0077)", () => {
  it("advertises the register feature and jabber:iq:register only with allow_registration", async () => {
    t = await authServer({ allow_registration: true });
    const feature = (await features(t, fakeSession(t))).getChild(
      "register",
      "http://jabber.org/features/iq-register",
    );
    expect(feature).toBeDefined();
    expect((await features(t, fakeSession(t, { secure: false }))).getChild("register")).toBeUndefined();
    await t.stop();
    t = await authServer();
    expect((await features(t, fakeSession(t))).getChild("register")).toBeUndefined();
  });

  it("answers the form, creates the account, fires user-registered, and the new user can log in", async () => {
    t = await authServer({ allow_registration: true });
    const registered: unknown[] = [];
    t.server.host("localhost")!.events.hook("user-registered", (e) => {
      const { username, host } = e as { username: string; host: string };
      registered.push({ username, host });
    });
    const session = fakeSession(t);
    await t.server.process(session, registerIq("get", "g1"));
    const form = session.sent.at(-1)!.getChild("query", NS)!;
    expect(form.getChild("username")).toBeDefined();
    expect(form.getChild("password")).toBeDefined();
    expect(form.getChildText("instructions")).toBeTruthy();

    await t.server.process(session, registerIq("set", "s1", { username: "Juliet", password: "R0m30" }));
    expect(session.sent.at(-1)!.attrs).toMatchObject({ type: "result", id: "s1" });
    expect(registered).toEqual([{ username: "juliet", host: "localhost" }]);
    expect(await accountExists(t.server, "localhost", "juliet")).toBe(true);
    expect(await scramLogin(t, session, "juliet", "R0m30")).toBe("success");
  });

  it("answers conflict for a taken name and not-acceptable for missing or invalid fields", async () => {
    t = await authServer({ allow_registration: true });
    await createAccount(t.server, "localhost", "juliet", "x");
    const session = fakeSession(t);
    await t.server.process(session, registerIq("set", "c", { username: "JULIET", password: "y" }));
    expect(errorOf(session.sent.at(-1))).toBe("conflict");
    await t.server.process(session, registerIq("set", "m", { username: "romeo" }));
    expect(errorOf(session.sent.at(-1))).toBe("not-acceptable");
    await t.server.process(session, registerIq("set", "i", { username: "ro meo", password: "y" }));
    expect(errorOf(session.sent.at(-1))).toBe("not-acceptable");
    await t.server.process(session, registerIq("set", "r", {}, true));
    expect(errorOf(session.sent.at(-1))).toBe("not-authorized");
    expect(await accountProvider(t.server, "localhost").testPassword("juliet", "x")).toBe(true);
  });

  it("refuses registration with not-allowed when allow_registration is off", async () => {
    t = await authServer();
    const session = fakeSession(t);
    await t.server.process(session, registerIq("get", "g"));
    expect(errorOf(session.sent.at(-1))).toBe("not-allowed");
    await t.server.process(session, registerIq("set", "s", { username: "eve", password: "x" }));
    expect(errorOf(session.sent.at(-1))).toBe("not-allowed");
    expect(await accountExists(t.server, "localhost", "eve")).toBe(false);
  });

  it("opens and closes registration on a config reload, disco feature included", async () => {
    t = await authServer();
    const server = t.server;
    const hasFeature = () =>
      (server.manager.get("localhost", "register")?.getHostItems("feature") ?? []).includes(NS);
    expect((await features(t, fakeSession(t))).getChild("register")).toBeUndefined();
    expect(hasFeature()).toBe(false);
    server.config.set("localhost", "allow_registration", true);
    server.global.events.fire("config-reloaded", {});
    expect((await features(t, fakeSession(t))).getChild("register")).toBeDefined();
    expect(hasFeature()).toBe(true);
    const session = fakeSession(t);
    await t.server.process(session, registerIq("set", "r1", { username: "newbie", password: "s3cret-pass" }));
    expect(errorOf(session.sent.at(-1))).toBe("result");
    server.config.set("localhost", "allow_registration", false);
    server.global.events.fire("config-reloaded", {});
    expect(hasFeature()).toBe(false);
    const late = fakeSession(t);
    await t.server.process(late, registerIq("set", "r2", { username: "latecomer", password: "s3cret-pass" }));
    expect(errorOf(late.sent.at(-1))).toBe("not-allowed");
  });

  it("refuses registration over an unencrypted connection while encryption is required", async () => {
    t = await authServer({ allow_registration: true });
    const session = fakeSession(t, { secure: false });
    await t.server.process(session, registerIq("set", "s", { username: "eve", password: "x" }));
    expect(errorOf(session.sent.at(-1))).toBe("policy-violation");
  });

  it("lets a user-registering handler veto a registration", async () => {
    t = await authServer({ allow_registration: true });
    t.server.host("localhost")!.events.hook("user-registering", (e) => {
      const event = e as { username: string; allowed: boolean; reason?: string };
      if (event.username === "admin") {
        event.allowed = false;
        event.reason = "reserved name";
      }
    });
    const session = fakeSession(t);
    await t.server.process(session, registerIq("set", "s", { username: "admin", password: "x" }));
    expect(errorOf(session.sent.at(-1))).toBe("not-acceptable");
    expect(session.sent.at(-1)!.getChild("error")!.getChildText("text")).toBe("reserved name");
  });
});

describe("register after authentication", () => {
  it("changes the password of the logged-in user only", async () => {
    t = await authServer();
    await createAccount(t.server, "localhost", "alice", "old");
    const alice = t.connect("alice@localhost/phone");
    await alice.process(registerIq("set", "p1", { username: "alice", password: "new" }));
    expect(alice.received.at(-1)!.attrs).toMatchObject({ type: "result", id: "p1" });
    const provider = accountProvider(t.server, "localhost");
    expect(await provider.testPassword("alice", "new")).toBe(true);
    await alice.process(registerIq("set", "p2", { username: "bob", password: "hijack" }));
    expect(errorOf(alice.received.at(-1))).toBe("not-allowed");
    await alice.process(registerIq("set", "p3", { username: "alice" }));
    expect(errorOf(alice.received.at(-1))).toBe("bad-request");
  });

  it("answers get with <registered/> and the username (also addressed to the host)", async () => {
    t = await authServer();
    await createAccount(t.server, "localhost", "alice", "old");
    const alice = t.connect("alice@localhost/phone");
    const request = registerIq("get", "q");
    request.attrs.to = "localhost";
    await alice.process(request);
    const query = alice.received.at(-1)!.getChild("query", NS)!;
    expect(query.getChild("registered")).toBeDefined();
    expect(query.getChildText("username")).toBe("alice");
  });

  it("deletes the account on <remove/>: result first, user-deleted, then the sessions close", async () => {
    t = await authServer();
    await createAccount(t.server, "localhost", "alice", "pw");
    const deleted: unknown[] = [];
    t.server.host("localhost")!.events.hook("user-deleted", (e) => {
      const { username, host, source } = e as Record<string, unknown>;
      deleted.push({ username, host, source });
    });
    const alice = t.connect("alice@localhost/phone");
    const other = t.connect("alice@localhost/desk");
    await alice.process(registerIq("set", "rm", {}, true));
    expect(alice.received.at(-1)!.attrs).toMatchObject({ type: "result", id: "rm" });
    expect(deleted).toEqual([{ username: "alice", host: "localhost", source: "register" }]);
    expect(await accountExists(t.server, "localhost", "alice")).toBe(false);
    expect(t.server.sessions.bare("alice@localhost")).toBeUndefined();
    expect(t.server.sessions.full(other.fullJid!)).toBeUndefined();
    const session = fakeSession(t);
    expect(await scramLogin(t, session, "alice", "pw")).toBe("failure:not-authorized");
    expect(last(session)).toBe("failure:not-authorized");
  });
});
