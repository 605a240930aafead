// End to end with a real client library (@xmpp/client) against `node dist/cli.js start`.
import { beforeAll, describe, expect, it } from "vitest";
import { connect, createClient, iqErrorCondition, type TestClient, xml } from "./clients.js";
import { serverFixture } from "./fixture.js";
import { LOGIN_MODULES, runCli } from "./harness.js";
import { RawClient } from "./raw-socket.js";

const MODULES = [
  ...LOGIN_MODULES,
  "register",
  "disco",
  "ping",
  "version",
  "time",
  "uptime",
  "lastactivity",
  "private",
  "vcard",
  "blocking",
  "server_contact_info",
];

describe("canto start, driven by @xmpp/client", () => {
  const t = serverFixture(
    {
      modules_enabled: MODULES,
      allow_registration: true,
      contact_info: { admin: ["mailto:admin@localhost"] },
      hosts: { localhost: {} },
    },
    {
      // One account before the server runs, the others next to the running server.
      users: ["alice@localhost"],
      usersWhileRunning: ["bob@localhost", "carol@localhost", "dave@localhost"],
      cleanExit: true,
    },
  );
  const config = t.config;
  const login = async (...args: Parameters<typeof connect>) => t.track(await connect(...args));
  const port = () => t.server.port;

  it("logs where it listens and how to add an account", () => {
    const messages = t.server.logs.map((record) => String(record.msg));
    expect(messages).toContainEqual(
      expect.stringMatching(/^Canto serves localhost on 127\.0\.0\.1:\d+, 127\.0\.0\.1:\d+ \(direct TLS\)/),
    );
    expect(messages).toContainEqual(
      expect.stringMatching(
        /^Add an account with: node \S*canto\.js adduser user@localhost --config canto\.config\.json$/,
      ),
    );
    expect(messages).toContainEqual(expect.stringContaining("self-signed certificate for localhost"));
  });

  describe("login", () => {
    for (const mechanism of ["SCRAM-SHA-1", "SCRAM-SHA-256", "PLAIN"] as const) {
      it(`logs in with ${mechanism} after STARTTLS`, async () => {
        const c = await login(
          { port: port(), username: "alice", password: "alice-pw", mechanism, resource: mechanism },
          false,
        );
        expect(c.jid).toBe(`alice@localhost/${mechanism}`);
        await c.stop();
      });
    }

    it("logs in over direct TLS (XEP-0368)", async () => {
      const c = await login(
        { port: t.server.tlsPort, directTls: true, username: "bob", password: "bob-pw" },
        false,
      );
      expect(c.jid).toBe("bob@localhost/e2e");
      await c.stop();
    });

    it("rejects a wrong password with not-authorized", async () => {
      const xmpp = createClient({ port: port(), username: "alice", password: "wrong" });
      const error = await xmpp.start().then(
        () => undefined,
        (e: { condition?: string }) => e,
      );
      await xmpp.stop().catch(() => {});
      expect(error?.condition).toBe("not-authorized");
    });

    it("registers an account in band (XEP-0077), which can then log in", async () => {
      // Over direct TLS: registration needs an encrypted stream, before authentication.
      const raw = await RawClient.directTls(t.server.tlsPort);
      try {
        await raw.open();
        expect(raw.text).toContain("http://jabber.org/features/iq-register");
        raw.write(
          "<iq type='set' id='reg1'><query xmlns='jabber:iq:register'><username>erin</username><password>erin-pw</password></query></iq>",
        );
        expect(await raw.waitFor(/<iq[^>]*id=['"]reg1['"][^>]*>/)).toMatch(/type=['"]result['"]/);
      } finally {
        raw.destroy();
      }
      const c = await login({ port: port(), username: "erin", password: "erin-pw" }, false);
      expect(c.jid).toBe("erin@localhost/e2e");
      await c.stop();
    });
  });

  describe("IM between two accounts", () => {
    let alice: TestClient;
    let bob: TestClient;
    beforeAll(async () => {
      alice = await login({ port: port(), username: "alice", password: "alice-pw", resource: "desk" });
      bob = await login({ port: port(), username: "bob", password: "bob-pw", resource: "phone" });
    });

    it("adds a roster item and pushes it to a resource that fetched the roster", async () => {
      // Pushes go to interested resources only (RFC 6121 §2.1.6): fetch first.
      await alice.iq("get", undefined, xml("query", { xmlns: "jabber:iq:roster" }));
      await alice.iq(
        "set",
        undefined,
        xml("query", { xmlns: "jabber:iq:roster" }, xml("item", { jid: "bob@localhost", name: "Bob" })),
      );
      await alice.waitFor(
        (s) => s.is("iq") && s.attrs.type === "set" && s.getChild("query", "jabber:iq:roster") !== undefined,
        5000,
        "a roster push",
      );
      const roster = await alice.iq("get", undefined, xml("query", { xmlns: "jabber:iq:roster" }));
      const item = roster.getChild("query", "jabber:iq:roster")?.getChild("item");
      expect(item?.attrs).toMatchObject({ jid: "bob@localhost", name: "Bob", subscription: "none" });
    });

    it("runs the subscription flow both ways and each sees the other's presence", async () => {
      await alice.xmpp.send(xml("presence", { to: "bob@localhost", type: "subscribe" }));
      await bob.waitFor((s) => s.is("presence") && s.attrs.type === "subscribe", 5000, "alice's subscribe");
      await bob.xmpp.send(xml("presence", { to: "alice@localhost", type: "subscribed" }));
      await alice.waitFor(
        (s) => s.is("presence") && s.attrs.from === "bob@localhost/phone" && s.attrs.type === undefined,
        5000,
        "bob's available presence",
      );
      await bob.xmpp.send(xml("presence", { to: "alice@localhost", type: "subscribe" }));
      await alice.waitFor((s) => s.is("presence") && s.attrs.type === "subscribe", 5000, "bob's subscribe");
      await alice.xmpp.send(xml("presence", { to: "bob@localhost", type: "subscribed" }));
      await bob.waitFor(
        (s) => s.is("presence") && s.attrs.from === "alice@localhost/desk" && s.attrs.type === undefined,
        5000,
        "alice's available presence",
      );
      const roster = await bob.iq("get", undefined, xml("query", { xmlns: "jabber:iq:roster" }));
      expect(roster.getChild("query")?.getChild("item")?.attrs).toMatchObject({
        jid: "alice@localhost",
        subscription: "both",
      });
    });

    it("delivers messages to the bare and to the full JID", async () => {
      await alice.xmpp.send(
        xml("message", { to: "bob@localhost", type: "chat" }, xml("body", {}, "to bare")),
      );
      const bareMsg = await bob.waitFor((s) => s.is("message") && s.getChildText("body") === "to bare");
      expect(bareMsg.attrs.from).toBe("alice@localhost/desk");
      await alice.xmpp.send(
        xml("message", { to: "bob@localhost/phone", type: "chat" }, xml("body", {}, "to full")),
      );
      const fullMsg = await bob.waitFor((s) => s.is("message") && s.getChildText("body") === "to full");
      expect(fullMsg.attrs.to).toBe("bob@localhost/phone");
    });

    it("stores a message for an offline account and delivers it at the next login", {
      timeout: 60_000,
    }, async () => {
      await alice.xmpp.send(
        xml("message", { to: "carol@localhost", type: "chat" }, xml("body", {}, "while you were out")),
      );
      // Let the server store it before carol comes online.
      await alice.iq("get", "localhost", xml("ping", { xmlns: "urn:xmpp:ping" }));
      const carol = await login({ port: port(), username: "carol", password: "carol-pw" });
      const stored = await carol.waitFor(
        (s) => s.is("message") && s.getChildText("body") === "while you were out",
      );
      expect(stored.attrs.from).toBe("alice@localhost/desk");
      expect(stored.getChild("delay", "urn:xmpp:delay")).toBeDefined();
      await carol.stop();
    });

    it("answers disco#info with the server's features", async () => {
      const info = await alice.iq(
        "get",
        "localhost",
        xml("query", { xmlns: "http://jabber.org/protocol/disco#info" }),
      );
      const features = info
        .getChild("query")
        ?.getChildren("feature")
        .map((f) => f.attrs.var);
      for (const ns of [
        "http://jabber.org/protocol/disco#info",
        "urn:xmpp:ping",
        "jabber:iq:version",
        "urn:xmpp:time",
        "jabber:iq:last",
        "jabber:iq:private",
        "vcard-temp",
        "urn:xmpp:blocking",
      ]) {
        expect(features).toContain(ns);
      }
      // XEP-0157: the contact addresses as a serverinfo form.
      expect(info.toString()).toContain("http://jabber.org/network/serverinfo");
      expect(info.toString()).toContain("mailto:admin@localhost");
    });

    it("answers ping, version, time and uptime", async () => {
      await alice.iq("get", "localhost", xml("ping", { xmlns: "urn:xmpp:ping" }));
      const version = await alice.iq("get", "localhost", xml("query", { xmlns: "jabber:iq:version" }));
      expect(version.getChild("query")?.getChildText("name")).toBeTruthy();
      const time = await alice.iq("get", "localhost", xml("time", { xmlns: "urn:xmpp:time" }));
      expect(time.getChild("time")?.getChildText("utc")).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d/);
      const uptime = await alice.iq("get", "localhost", xml("query", { xmlns: "jabber:iq:last" }));
      expect(Number(uptime.getChild("query")?.attrs.seconds)).toBeGreaterThanOrEqual(0);
    });

    it("answers last activity of a contact that went offline", async () => {
      const dave = await login({ port: port(), username: "dave", password: "dave-pw" }, false);
      await dave.stop();
      // dave is nobody's contact: alice may not know
      expect(
        await iqErrorCondition(alice.iq("get", "dave@localhost", xml("query", { xmlns: "jabber:iq:last" }))),
      ).toBe("forbidden");
      // bob is subscribed to alice: he may ask about her (online: 0 seconds idle)
      const last = await bob.iq("get", "alice@localhost", xml("query", { xmlns: "jabber:iq:last" }));
      expect(Number(last.getChild("query")?.attrs.seconds)).toBeGreaterThanOrEqual(0);
    });

    it("round-trips private XML storage", async () => {
      const payload = xml("prefs", { xmlns: "e2e:prefs" }, xml("colour", {}, "teal"));
      await alice.iq("set", undefined, xml("query", { xmlns: "jabber:iq:private" }, payload));
      const got = await alice.iq(
        "get",
        undefined,
        xml("query", { xmlns: "jabber:iq:private" }, xml("prefs", { xmlns: "e2e:prefs" })),
      );
      expect(got.getChild("query")?.getChild("prefs", "e2e:prefs")?.getChildText("colour")).toBe("teal");
    });

    it("sets and gets a vCard, also from another account", async () => {
      await alice.iq("set", undefined, xml("vCard", { xmlns: "vcard-temp" }, xml("FN", {}, "Alice Liddell")));
      const own = await alice.iq("get", undefined, xml("vCard", { xmlns: "vcard-temp" }));
      expect(own.getChild("vCard")?.getChildText("FN")).toBe("Alice Liddell");
      const seen = await bob.iq("get", "alice@localhost", xml("vCard", { xmlns: "vcard-temp" }));
      expect(seen.getChild("vCard")?.getChildText("FN")).toBe("Alice Liddell");
    });

    it("blocks a contact: its messages stop arriving (XEP-0191)", async () => {
      await bob.iq(
        "set",
        undefined,
        xml("block", { xmlns: "urn:xmpp:blocking" }, xml("item", { jid: "alice@localhost" })),
      );
      const list = await bob.iq("get", undefined, xml("blocklist", { xmlns: "urn:xmpp:blocking" }));
      expect(list.getChild("blocklist")?.getChild("item")?.attrs.jid).toBe("alice@localhost");
      await alice.xmpp.send(
        xml("message", { to: "bob@localhost/phone", type: "chat" }, xml("body", {}, "blocked?")),
      );
      // The sender learns it was not delivered; bob never sees it.
      const bounce = await alice.waitFor(
        (s) => s.is("message") && s.attrs.type === "error",
        5000,
        "a bounce",
      );
      expect(bounce.getChild("error")?.getChildElements()[0]?.name).toBe("service-unavailable");
      await bob.iq("get", "localhost", xml("ping", { xmlns: "urn:xmpp:ping" }));
      expect(bob.received.some((s) => s.getChildText("body") === "blocked?")).toBe(false);
      await bob.iq("set", undefined, xml("unblock", { xmlns: "urn:xmpp:blocking" }));
      await alice.xmpp.send(
        xml("message", { to: "bob@localhost/phone", type: "chat" }, xml("body", {}, "unblocked")),
      );
      await bob.waitFor((s) => s.is("message") && s.getChildText("body") === "unblocked");
    });

    it("answers an IQ of an unknown namespace with service-unavailable", async () => {
      expect(
        await iqErrorCondition(alice.iq("get", "localhost", xml("query", { xmlns: "urn:example:nothing" }))),
      ).toBe("service-unavailable");
      expect(
        await iqErrorCondition(
          alice.iq("get", "bob@localhost/phone", xml("query", { xmlns: "urn:example:nothing" })),
        ),
      ).toBe("service-unavailable");
    });
  });

  describe("the CLI next to the running server", () => {
    it("refuses an existing account, an unknown host and a bad JID with distinct exit codes", {
      timeout: 60_000,
    }, async () => {
      const [exists, host, bad] = await Promise.all([
        runCli(["adduser", "alice@localhost", "-p", "x"], { cwd: config.dir }),
        runCli(["adduser", "alice@elsewhere.example", "-p", "x"], { cwd: config.dir }),
        runCli(["adduser", "not a jid@@", "-p", "x"], { cwd: config.dir }),
      ]);
      expect(exists.code).toBe(4);
      expect(exists.stderr).toContain("already exists");
      expect(host.code).toBe(3);
      expect(host.stderr).toContain("elsewhere.example is not a VirtualHost");
      expect(bad.code).toBe(2);
      expect(bad.stderr).toContain("is not a valid JID");
    });

    it("changes a password (read from stdin) and deletes an account", { timeout: 60_000 }, async () => {
      const passwd = await runCli(["passwd", "dave@localhost"], { cwd: config.dir, input: "dave-new\n" });
      expect(passwd.code).toBe(0);
      const c = await login({ port: port(), username: "dave", password: "dave-new" }, false);
      await c.stop();
      const deleted = await runCli(["deluser", "dave@localhost"], { cwd: config.dir });
      expect(deleted.code).toBe(0);
      const xmpp = createClient({ port: port(), username: "dave", password: "dave-new" });
      const error = await xmpp.start().then(
        () => undefined,
        (e: { condition?: string }) => e,
      );
      await xmpp.stop().catch(() => {});
      expect(error?.condition).toBe("not-authorized");
      const again = await runCli(["deluser", "dave@localhost"], { cwd: config.dir });
      expect(again.code).toBe(5);
    });
  });
});
