// Accounts, rosters and offline messages survive a SIGTERM and a new `canto start` on the same data.

import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { connect, xml } from "./clients.js";
import { serverFixture } from "./fixture.js";
import { LOGIN_MODULES, runCli, tempConfig } from "./harness.js";

describe("restart", () => {
  const t = serverFixture(
    {
      modules_enabled: [...LOGIN_MODULES, "ping"],
      hosts: { localhost: {} },
    },
    { users: ["alice@localhost", "bob@localhost"] },
  );
  const login = async (username: string) =>
    t.track(await connect({ port: t.server.port, username, password: `${username}-pw` }));

  it("keeps accounts, the roster and an offline message across SIGTERM and start", {
    timeout: 60_000,
  }, async () => {
    const alice = await login("alice");
    const bob = await login("bob");
    await alice.xmpp.send(xml("presence", { to: "bob@localhost", type: "subscribe" }));
    await bob.waitFor((s) => s.is("presence") && s.attrs.type === "subscribe");
    await bob.xmpp.send(xml("presence", { to: "alice@localhost", type: "subscribed" }));
    await alice.waitFor(
      (s) => s.is("presence") && s.attrs.from === "bob@localhost/e2e" && s.attrs.type === undefined,
    );
    await bob.stop();
    // Only once the server has seen bob leave is the message for him stored offline.
    await alice.waitFor(
      (s) => s.is("presence") && s.attrs.from === "bob@localhost/e2e" && s.attrs.type === "unavailable",
    );
    await alice.xmpp.send(
      xml("message", { to: "bob@localhost", type: "chat" }, xml("body", {}, "kept across restarts")),
    );
    await alice.iq("get", "localhost", xml("ping", { xmlns: "urn:xmpp:ping" }));
    await alice.stop();

    expect(await t.server.stop()).toBe(0);
    await t.restart();

    const bobAgain = await login("bob");
    const offline = await bobAgain.waitFor(
      (s) => s.is("message") && s.getChildText("body") === "kept across restarts",
    );
    expect(offline.attrs.from).toBe("alice@localhost/e2e");
    const aliceAgain = await login("alice");
    const roster = await aliceAgain.iq("get", undefined, xml("query", { xmlns: "jabber:iq:roster" }));
    expect(roster.getChild("query")?.getChild("item")?.attrs).toMatchObject({
      jid: "bob@localhost",
      subscription: "to",
    });
  });

  it("refuses to start, exit code 1, when its port is taken", { timeout: 60_000 }, async () => {
    const other = tempConfig({ c2s_ports: [t.server.port], hosts: { localhost: {} } });
    try {
      const result = await runCli(["start", "--config", other.file], { cwd: other.dir });
      expect(result.code).toBe(1);
      expect(result.stderr).toContain("c2s did not start");
      expect(result.stdout).toContain(`cannot listen on 127.0.0.1 port ${t.server.port}`);
    } finally {
      other.remove();
    }
  });

  it("finds a prosody.cfg.lua in the working folder", { timeout: 60_000 }, async () => {
    const dir = mkdtempSync(join(tmpdir(), "canto-lua-"));
    try {
      writeFileSync(
        join(dir, "prosody.cfg.lua"),
        'data_path = "data"\nc2s_ports = { 0 }\nmodules_enabled = { "saslauth", "auth_internal_hashed", "bind" }\nVirtualHost "example.test"\n',
      );
      const [added, checked] = await Promise.all([
        runCli(["adduser", "zoe@example.test", "-p", "zoe-pw"], { cwd: dir }),
        runCli(["check", "config"], { cwd: dir }),
      ]);
      expect(added).toMatchObject({ code: 0, stdout: "Created account zoe@example.test\n" });
      expect(checked.code).toBe(0);
      expect(checked.stdout).toContain("prosody.cfg.lua: OK");
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
