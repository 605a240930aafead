// Accounts, rosters and offline messages survive a SIGTERM and a new `canto start` on the same data.

import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { connect, type TestClient, xml } from "./clients.js";
import { addUser, requireBuild, runCli, type ServerProcess, startServer, tempConfig } from "./harness.js";

describe("restart", () => {
  const config = tempConfig({
    modules_enabled: ["tls", "saslauth", "auth_internal_hashed", "bind", "roster", "ping"],
    hosts: { localhost: {} },
  });
  let server: ServerProcess | undefined;
  const clients: TestClient[] = [];
  const login = async (username: string) => {
    const c = await connect({ port: server?.port ?? 0, username, password: `${username}-pw` });
    clients.push(c);
    return c;
  };

  beforeAll(async () => {
    requireBuild();
    await Promise.all([
      addUser(config.dir, "alice@localhost", "alice-pw"),
      addUser(config.dir, "bob@localhost", "bob-pw"),
    ]);
    server = await startServer(config);
  });

  afterAll(async () => {
    await Promise.all(clients.map((c) => c.stop()));
    try {
      await server?.stop();
    } finally {
      server?.kill();
      config.remove();
    }
  });

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

    expect(await server?.stop()).toBe(0);
    server = await startServer(config);

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
    const other = tempConfig({ c2s_ports: [server?.port ?? 0], hosts: { localhost: {} } });
    try {
      const result = await runCli(["start", "--config", other.file], { cwd: other.dir });
      expect(result.code).toBe(1);
      expect(result.stderr).toContain("c2s did not start");
      expect(result.stdout).toContain(`cannot listen on 127.0.0.1 port ${server?.port}`);
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
