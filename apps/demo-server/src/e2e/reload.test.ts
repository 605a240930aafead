// SIGHUP re-reads the config of a running `canto start`; SIGTERM closes every stream and exits 0.
import { spawn } from "node:child_process";
import { writeFileSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { connect, type TestClient, type XmlElement, xml } from "./clients.js";
import {
  addUser,
  CLI,
  LOGIN_MODULES,
  requireBuild,
  type ServerProcess,
  startServer,
  tempConfig,
} from "./harness.js";
import { RawClient } from "./raw-socket.js";

const BASE = {
  log_level: "info",
  data_path: "./data",
  c2s_ports: [0],
  c2s_direct_tls_ports: [0],
  scram_iteration_count: 4096,
  modules_enabled: [...LOGIN_MODULES, "ping"],
  hosts: { localhost: {} } as Record<string, unknown>,
};

/** Resolves with the first log line (already logged or to come) that `match` accepts. */
function waitForLog(
  server: ServerProcess,
  match: (record: Record<string, unknown>) => boolean,
  from = 0,
  timeoutMs = 10_000,
): Promise<Record<string, unknown>> {
  return new Promise((resolve, reject) => {
    const started = Date.now();
    const poll = setInterval(() => {
      const found = server.logs.slice(from).find(match);
      if (found !== undefined) {
        clearInterval(poll);
        resolve(found);
      } else if (Date.now() - started > timeoutMs) {
        clearInterval(poll);
        reject(
          new Error(
            `no such log line in ${timeoutMs} ms; logs:\n${server.logs.map((l) => l.msg).join("\n")}`,
          ),
        );
      }
    }, 20);
  });
}

let nextId = 0;

/**
 * The IQ error condition, or "result". Not through iqCaller: @xmpp/iq 0.14 rejects its deferred
 * before it awaits it when the answer beats `send()`, an unhandled rejection on a fast server.
 */
async function iqOutcome(client: TestClient, to: string, payload: XmlElement): Promise<string> {
  const id = `reload-${++nextId}`;
  await client.xmpp.send(xml("iq", { type: "get", to, id }, payload));
  const answer = await client.waitFor((s) => s.is("iq") && s.attrs.id === id);
  if (answer.attrs.type === "result") return "result";
  return answer.getChild("error")?.getChildElements()[0]?.name ?? "(no condition)";
}

const reloaded = (record: Record<string, unknown>) =>
  typeof record.msg === "string" && record.msg.startsWith("SIGHUP: config reloaded");

describe("SIGHUP and SIGTERM", () => {
  const config = tempConfig(BASE);
  let server: ServerProcess | undefined;
  const clients: TestClient[] = [];
  const versionQuery = () => xml("query", { xmlns: "jabber:iq:version" });

  /** Rewrites the config file, sends SIGHUP and waits for the reload's outcome in the log. */
  const hangUp = async (
    text: string,
    outcome: (record: Record<string, unknown>) => boolean = reloaded,
  ): Promise<Record<string, unknown>> => {
    if (server === undefined) throw new Error("no server");
    writeFileSync(config.file, text);
    const from = server.logs.length;
    server.child.kill("SIGHUP");
    return waitForLog(server, outcome, from);
  };

  beforeAll(async () => {
    requireBuild();
    await addUser(config.dir, "alice@localhost", "alice-pw");
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

  it("loads a module added to modules_enabled and activates a new VirtualHost", {
    timeout: 60_000,
  }, async () => {
    const alice = await connect({ port: server?.port ?? 0, username: "alice", password: "alice-pw" });
    clients.push(alice);
    expect(await iqOutcome(alice, "localhost", versionQuery())).toBe("service-unavailable");

    const next = {
      ...BASE,
      log_level: "debug",
      modules_enabled: [...BASE.modules_enabled, "version"],
      hosts: { localhost: {}, "second.test": {} },
    };
    writeFileSync(config.file, JSON.stringify(next, null, 2));
    // The account CLI reads the file too: the new host is already a VirtualHost for it.
    await addUser(config.dir, "carol@second.test", "carol-pw");
    const line = await hangUp(JSON.stringify(next, null, 2));
    expect(line.reload).toMatchObject({
      ok: true,
      activated: ["second.test"],
      failed: [],
      logLevel: "debug",
    });
    expect((line.reload as { loaded: string[] }).loaded).toContain("version on localhost");

    // The same connection now gets an answer: nothing restarted.
    const version = await alice.iq("get", "localhost", versionQuery());
    expect(version.getChild("query")?.getChildText("name")).toBeTruthy();

    const carol = await connect({
      port: server?.port ?? 0,
      username: "carol",
      password: "carol-pw",
      domain: "second.test",
    });
    clients.push(carol);
    expect(carol.jid).toBe("carol@second.test/e2e");
    const pong = await carol.iq("get", "second.test", xml("ping", { xmlns: "urn:xmpp:ping" }));
    expect(pong.attrs.type).toBe("result");

    // Removing both again unloads the module and closes the host's sessions.
    const removed = await hangUp(JSON.stringify(BASE, null, 2));
    expect(removed.reload).toMatchObject({
      ok: true,
      deactivated: ["second.test"],
      unloaded: ["version on localhost"],
      logLevel: "info",
    });
    expect(await iqOutcome(alice, "localhost", versionQuery())).toBe("service-unavailable");
  });

  it("keeps the old config, and says why, when the file is broken", { timeout: 60_000 }, async () => {
    const alice = clients[0];
    if (alice === undefined) throw new Error("the first test did not log in");
    const failure = await hangUp(
      '{ "modules_enabled": [ "version" ',
      (record) => record.code === "config-reload-failed",
    );
    expect(failure.level).toBe(50);
    expect(String(failure.msg)).toContain("the old one stays");
    expect(String(failure.msg)).toContain("canto.config.json");
    expect(server?.child.exitCode).toBeNull();
    // Still the old config: version is not loaded, ping still answers.
    expect(await iqOutcome(alice, "localhost", versionQuery())).toBe("service-unavailable");
    const pong = await alice.iq("get", "localhost", xml("ping", { xmlns: "urn:xmpp:ping" }));
    expect(pong.attrs.type).toBe("result");
  });

  it("sends every client system-shutdown on SIGTERM and exits 0", { timeout: 60_000 }, async () => {
    const alice = clients[0];
    if (alice === undefined) throw new Error("the first test did not log in");
    const errors: { condition?: string }[] = [];
    alice.xmpp.on("error", (error: { condition?: string }) => errors.push(error));
    const raw = await RawClient.directTls(server?.tlsPort ?? 0);
    await raw.open();

    expect(await server?.stop()).toBe(0);
    await raw.waitFor(/<stream:error><system-shutdown xmlns=['"]urn:ietf:params:xml:ns:xmpp-streams['"]\/>/);
    await raw.waitFor(/<\/stream:stream>/);
    await raw.waitClosed();
    const deadline = Date.now() + 5000;
    while (errors.length === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    expect(errors.map((e) => e.condition)).toContain("system-shutdown");
  });

  it("reloads after start-up, not dies, on a SIGHUP that comes while starting", {
    timeout: 60_000,
  }, async () => {
    const early = tempConfig(BASE);
    const child = spawn(process.execPath, [CLI, "start", "--config", early.file], {
      cwd: early.dir,
      stdio: ["ignore", "pipe", "pipe"],
    });
    try {
      let out = "";
      const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
      const seen = (pattern: RegExp) =>
        new Promise<void>((resolve, reject) => {
          const timer = setTimeout(() => reject(new Error(`no ${pattern} in:\n${out}`)), 20_000);
          const check = () => {
            if (!pattern.test(out)) return;
            clearTimeout(timer);
            child.stdout.off("data", check);
            resolve();
          };
          child.stdout.on("data", check);
          check();
        });
      child.stdout.on("data", (chunk: Buffer) => {
        out += chunk.toString();
      });
      // c2s logs that it listens before the hosts are up and the start-up line is written.
      await seen(/listening for clients/);
      child.kill("SIGHUP");
      await seen(/SIGHUP: config reloaded/);
      expect(out.indexOf("Canto serves")).toBeLessThan(out.indexOf("SIGHUP: config reloaded"));
      child.kill("SIGTERM");
      expect(await exited).toBe(0);
    } finally {
      if (child.exitCode === null) child.kill("SIGKILL");
      early.remove();
    }
  });
});
