import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type CantoConfig, createServer, LocalSession, message, presence } from "canto";
import { afterEach, describe, expect, it } from "vitest";
import { portOf, request } from "./http.test-helper.js";
import { httpModules } from "./index.js";

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function startCanto(config: CantoConfig = {}) {
  const dataPath = await mkdtemp(join(tmpdir(), "canto-server-metrics-"));
  const server = await createServer({
    config: {
      data_path: dataPath,
      log_level: "silent",
      http_ports: [0],
      modules_enabled: ["http", "http_openmetrics", "server_metrics"],
      hosts: { localhost: {}, "other.example": {} },
      ...config,
    } as CantoConfig,
    modules: httpModules,
  });
  await server.start();
  cleanups.push(async () => {
    await server.stop();
    await rm(dataPath, { recursive: true, force: true });
  });
  return { server, port: portOf(server) };
}

async function scrape(port: number): Promise<string> {
  const reply = await request(port, "/metrics", {
    host: "localhost",
    headers: { accept: "application/openmetrics-text" },
  });
  expect(reply.status).toBe(200);
  return reply.body;
}

describe("server_metrics", () => {
  it("reports bound client sessions per host, current at each scrape", async () => {
    const { server, port } = await startCanto();
    const alice = new LocalSession(server, "alice@localhost/phone");
    new LocalSession(server, "bob@localhost/desk");
    new LocalSession(server, "carol@other.example/tab");
    let text = await scrape(port);
    expect(text).toMatch(/^canto_mod_server_metrics__sessions\{host="localhost"\} 2$/m);
    expect(text).toMatch(/^canto_mod_server_metrics__sessions\{host="other.example"\} 1$/m);

    alice.close();
    text = await scrape(port);
    expect(text).toMatch(/^canto_mod_server_metrics__sessions\{host="localhost"\} 1$/m);
  });

  it("counts stanzas received from clients by kind, and times their routing by kind and destination", async () => {
    const { server, port } = await startCanto();
    const alice = new LocalSession(server, "alice@localhost/phone");
    const bob = new LocalSession(server, "bob@localhost/desk");
    await alice.process(message({ to: "bob@localhost/desk", type: "chat" }, "one"));
    await alice.process(message({ to: "bob@localhost", type: "chat" }, "two"));
    await alice.process(presence({ to: "bob@localhost/desk" }));
    expect(bob.received.filter((s) => s.name === "message")).toHaveLength(2);

    const text = await scrape(port);
    expect(text).toMatch(
      /^canto_mod_server_metrics__stanzas_in_total\{host="localhost",kind="message"\} 2$/m,
    );
    expect(text).toMatch(
      /^canto_mod_server_metrics__stanzas_in_total\{host="localhost",kind="presence"\} 1$/m,
    );
    expect(text).toContain("# TYPE canto_mod_server_metrics__routing_seconds histogram");
    expect(text).toMatch(
      /^canto_mod_server_metrics__routing_seconds_count\{host="localhost",kind="message",to="full"\} 1$/m,
    );
    expect(text).toMatch(
      /^canto_mod_server_metrics__routing_seconds_count\{host="localhost",kind="message",to="bare"\} 1$/m,
    );
    expect(text).toMatch(
      /^canto_mod_server_metrics__routing_seconds_bucket\{host="localhost",kind="message",to="full",le="\+Inf"\} 1$/m,
    );
  });

  it("stops counting on a host once unloaded there", async () => {
    const { server, port } = await startCanto();
    const alice = new LocalSession(server, "alice@localhost/phone");
    await server.manager.unload("*", "server_metrics");
    await alice.process(message({ to: "localhost", type: "chat" }, "x"));
    const text = await scrape(port);
    expect(text).not.toMatch(/stanzas_in_total\{[^}]*\} [1-9]/);
  });
});
