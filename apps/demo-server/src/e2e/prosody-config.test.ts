// A Prosody operator's prosody.cfg.lua given to `canto start --config` unchanged: the deployment
// of issue 15 (SQLite through Prosody's `sql` table, Prosody's module names, a Component), and
// Debian's own /etc/prosody/prosody.cfg.lua. An account is made with `canto register` and a real
// client (@xmpp/client) logs in over STARTTLS with SCRAM; no module Canto has may fail to load.
import { spawnSync } from "node:child_process";
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { connect } from "./clients.js";
import { runCli, type ServerProcess, startServer } from "./harness.js";

const DEPLOYMENT = `-- Prosody 0.12, a plain SQLite deployment
admins = { }
modules_enabled = {
  "roster"; "saslauth"; "tls"; "disco"; "carbons"; "pep"; "blocklist"; "vcard4"; "vcard_legacy";
  "private"; "mam"; "smacks"; "websocket"; "http_openmetrics"; "posix"; "register";
}
c2s_interfaces = { "127.0.0.1" }
c2s_ports = { 0 }
c2s_direct_tls_ports = { 0 }
http_interfaces = { "127.0.0.1" }
http_ports = { 0 }
component_interfaces = { "127.0.0.1" }
component_ports = { 0 }
scram_iteration_count = 4096
pidfile = "prosody.pid"
authentication = "internal_hashed"
storage = "sql"
sql = { driver = "SQLite3"; database = "prosody.sqlite" }
log = { info = "*console" }

VirtualHost "localhost"

Component "component.localhost"
  component_secret = "a component secret"
`;

const DEBIAN = "/etc/prosody/prosody.cfg.lua";
const DEBIAN_READABLE = spawnSync("test", ["-r", DEBIAN]).status === 0;

/** A temporary folder for one describe block, and the server started there, both gone after it. */
function serverFolder(prefix: string): { dir: string; running: { server?: ServerProcess } } {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  const running: { server?: ServerProcess } = {};
  afterAll(async () => {
    await running.server?.stop();
    running.server?.kill();
    rmSync(dir, { recursive: true, force: true });
  });
  return { dir, running };
}

const messages = (server: ServerProcess) => server.logs.map((record) => String(record.msg));

/** What every run checks: nothing Canto has failed, Prosody's missing modules named once. */
function expectCleanStart(server: ServerProcess, missing: string[]): void {
  const all = messages(server);
  expect(all.filter((m) => /failed to load|Failed to load module|Error initializing/.test(m))).toEqual([]);
  const lines = all.filter((m) => m.startsWith("Prosody modules Canto does not have"));
  expect(lines).toHaveLength(1);
  for (const name of missing) expect(lines[0]).toContain(`${name}: `);
  expect(server.logs.filter((r) => r.level === 50)).toEqual([]);
}

async function registerAndLogIn(dir: string, server: ServerProcess, cli: string[]): Promise<void> {
  const registered = await runCli(["register", "alice", "localhost", "alice-pw", ...cli], { cwd: dir });
  expect(registered.stderr).toBe("");
  expect(registered.code).toBe(0);
  const client = await connect({
    port: server.port,
    username: "alice",
    password: "alice-pw",
    mechanism: "SCRAM-SHA-256",
  });
  try {
    expect(client.jid).toBe("alice@localhost/e2e");
  } finally {
    await client.stop();
  }
}

describe("the deployment prosody.cfg.lua of issue 15, unchanged", () => {
  const { dir, running } = serverFolder("canto-prosody-");
  const file = join(dir, "prosody.cfg.lua");
  writeFileSync(file, DEPLOYMENT);

  it("starts, names the missing modules once, and lets a registered user in", async () => {
    const server = await startServer({ dir, file });
    running.server = server;
    expectCleanStart(server, ["pep", "vcard4", "vcard_legacy"]);
    const config = ["--config", file];
    await registerAndLogIn(dir, server, config);
    // The accounts are in the database file the sql table names (beside the data).
    expect(existsSync(join(dir, "data", "prosody.sqlite"))).toBe(true);
    // websocket and http_openmetrics bring http along, as Prosody's depend on mod_http.
    const http = server.logs.find((r) => r.listeners !== undefined)?.http as { port: number }[];
    expect(http).toHaveLength(1);
    const metrics = await fetch(`http://127.0.0.1:${http[0]?.port}/metrics`);
    expect(metrics.status).toBe(200);
    expect(await metrics.text()).toContain("canto_mod_saslauth__auth_success");

    // posix: the pidfile (relative to the data folder) names the server, found by status.
    const pidfile = join(dir, "data", "prosody.pid");
    expect(readFileSync(pidfile, "utf8").trim()).toBe(String(server.child.pid));
    const [status, reload] = await Promise.all([
      runCli(["status", ...config], { cwd: dir }),
      runCli(["reload", ...config], { cwd: dir }),
    ]);
    expect(status).toMatchObject({ code: 0, stdout: `Canto is running with PID ${server.child.pid}\n` });
    expect(reload.code).toBe(0);
    await expect
      .poll(() => messages(server).some((m) => m.startsWith("SIGHUP: config reloaded")), { timeout: 5000 })
      .toBe(true);

    expect(await server.stop()).toBe(0);
    expect(existsSync(pidfile)).toBe(false);
    const stopped = await runCli(["status", ...config], { cwd: dir });
    expect(stopped.code).toBe(1);
    expect(stopped.stderr).toMatch(/^Canto is not running/);
  }, 20_000);
});

describe.skipIf(!DEBIAN_READABLE)("Debian's /etc/prosody/prosody.cfg.lua, unchanged", () => {
  const { dir, running } = serverFolder("canto-debian-");

  it("starts with only ports and paths given on the command line, and lets a registered user in", async () => {
    // The file and its Include folders as they are; nothing is edited.
    const file = join(dir, "prosody.cfg.lua");
    cpSync(DEBIAN, file);
    for (const sub of ["conf.avail", "conf.d"])
      if (existsSync(join("/etc/prosody", sub)))
        cpSync(join("/etc/prosody", sub), join(dir, sub), { recursive: true });
    // Debian's paths (/var/lib/prosody, /run/prosody, /var/log/prosody) and ports (5222, 5269,
    // 5280 on every interface) belong to the system's Prosody: --option moves them.
    const overrides = [
      `data_path=${join(dir, "data")}`,
      `pidfile=${join(dir, "canto.pid")}`,
      'log={"info":"*console"}',
      'interfaces=["127.0.0.1"]',
      "c2s_ports=[0]",
      "c2s_direct_tls_ports=[0]",
      "http_ports=[0]",
      "scram_iteration_count=4096",
    ].flatMap((option) => ["--option", option]);
    const server = await startServer({ dir, file }, 20_000, overrides);
    running.server = server;
    expectCleanStart(server, ["pep", "vcard4", "vcard_legacy", "bookmarks", "dialback", "limits"]);
    await registerAndLogIn(dir, server, ["--config", file, ...overrides]);
    expect(readFileSync(join(dir, "canto.pid"), "utf8").trim()).toBe(String(server.child.pid));
  }, 20_000);
});
