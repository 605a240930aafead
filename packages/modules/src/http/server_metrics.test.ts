import { spawnSync } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { connect } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type CantoConfig, createServer, Element, iq, LocalSession, message, presence } from "canto";
import { afterEach, describe, expect, it } from "vitest";
import { WebSocket } from "ws";
import type { C2sApi } from "../transport/c2s.js";
import { transportModules } from "../transport/index.js";
import { websocketModules } from "../websocket/index.js";
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
    modules: { ...httpModules, ...transportModules, ...websocketModules },
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

const SM = "urn:xmpp:sm:3";
const OUT = "canto_mod_server_metrics__stanzas_out_total";

function metricValue(text: string, name: string, labels: string): number | undefined {
  const line = text.split("\n").find((l) => l.startsWith(`${name}{${labels}} `));
  return line === undefined ? undefined : Number(line.slice(line.lastIndexOf(" ") + 1));
}

const outCount = (text: string, kind: string, host = "localhost") =>
  metricValue(text, OUT, `host="${host}",kind="${kind}"`) ?? 0;

/** What a session received by kind, stanzas only (stream management's <r/> is not one). */
const receivedKinds = (...sessions: LocalSession[]) => {
  const kinds: Record<string, number> = { message: 0, presence: 0, iq: 0 };
  for (const s of sessions) for (const el of s.received) if (el.name in kinds) kinds[el.name]! += 1;
  return kinds;
};

describe("server_metrics: stanzas out", () => {
  it("counts stanzas sent to bound clients by kind", async () => {
    const { server, port } = await startCanto();
    const alice = new LocalSession(server, "alice@localhost/phone");
    const bob = new LocalSession(server, "bob@localhost/desk");
    await alice.process(message({ to: "bob@localhost/desk", type: "chat" }, "one"));
    await alice.process(message({ to: "bob@localhost/desk", type: "chat" }, "two"));
    await alice.process(presence({ to: "bob@localhost/desk" }));
    await alice.process(
      iq({ type: "get", id: "v1", to: "bob@localhost/desk" }).c("query", { xmlns: "urn:x" }).root(),
    );
    expect(bob.received.map((s) => s.name)).toEqual(["message", "message", "presence", "iq"]);

    const text = await scrape(port);
    const kinds = receivedKinds(alice, bob);
    expect(outCount(text, "message")).toBe(2);
    expect(outCount(text, "presence")).toBe(kinds.presence);
    expect(outCount(text, "iq")).toBe(kinds.iq);
    expect(kinds.iq).toBeGreaterThanOrEqual(1);
  });

  it("publishes the batched counts every second for readers that fire no stats-update", async () => {
    const { server } = await startCanto();
    const alice = new LocalSession(server, "alice@localhost/phone");
    await alice.process(message({ to: "alice@localhost/phone", type: "chat" }, "self"));
    const inLabels = 'host="localhost",kind="message"';
    const stanzasIn = "canto_mod_server_metrics__stanzas_in_total";
    // Counted, not yet published: a collection without stats-update does not see it.
    expect(outCount(await server.telemetry.openMetrics(), "message")).toBe(0);
    await new Promise((resolve) => setTimeout(resolve, 1200));
    const text = await server.telemetry.openMetrics();
    expect(outCount(text, "message")).toBe(1);
    expect(metricValue(text, stanzasIn, inLabels)).toBe(1);
  });

  it("leaves no wrap on a session once it is unbound", async () => {
    const { server } = await startCanto();
    const alice = new LocalSession(server, "alice@localhost/phone");
    expect(Object.hasOwn(alice, "send")).toBe(true);
    alice.close();
    expect(Object.hasOwn(alice, "send")).toBe(false);
  });

  for (const order of [
    ["server_metrics", "smacks"],
    ["smacks", "server_metrics"],
  ]) {
    it(`composes with smacks's send wrap (loaded ${order.join(" then ")}), across unloads`, async () => {
      const { server, port } = await startCanto({
        modules_enabled: ["http", "http_openmetrics", ...order],
      } as CantoConfig);
      const alice = new LocalSession(server, "alice@localhost/phone");
      const bob = new LocalSession(server, "bob@localhost/desk");
      await bob.process(new Element("enable", { xmlns: SM }));
      expect(bob.received.at(-1)?.name).toBe("enabled");
      const say = (text: string) => alice.process(message({ to: "bob@localhost/desk", type: "chat" }, text));

      await say("one");
      await Promise.resolve();
      // smacks asks for an ack after the stanza: it still sees bob's stanzas.
      expect(bob.received.slice(-2).map((s) => s.name)).toEqual(["message", "r"]);
      expect(outCount(await scrape(port), "message")).toBe(1);

      // smacks's cleanup deletes session.send; the count must go on.
      await server.manager.unload("localhost", "smacks");
      await say("two");
      expect(outCount(await scrape(port), "message")).toBe(2);

      await server.manager.load("localhost", "smacks");
      await bob.process(new Element("enable", { xmlns: SM }));
      await server.manager.unload("*", "server_metrics");
      await say("three");
      await Promise.resolve();
      expect(bob.received.slice(-2).map((s) => s.name)).toEqual(["message", "r"]);
      expect(outCount(await scrape(port), "message")).toBe(2);

      await server.manager.load("localhost", "server_metrics");
      await say("four");
      expect(outCount(await scrape(port), "message")).toBe(3);
      // Now server_metrics's wrap is over smacks's, and smacks's cleanup deletes both.
      await server.manager.unload("localhost", "smacks");
      await say("five");
      expect(outCount(await scrape(port), "message")).toBe(4);
      expect(bob.received.filter((s) => s.name === "message")).toHaveLength(5);
    });
  }
});

const STORAGE = "canto_mod_server_metrics__storage_operation_seconds";
const FAILURES = "canto_mod_server_metrics__storage_operation_failures_total";

describe("server_metrics: storage operations", () => {
  it("times keyval and archive operations by host, driver, store, type and operation", async () => {
    const { server, port } = await startCanto();
    const kv = await server.storage.open("localhost", "metrics_kv");
    await kv.set("alice", { n: 1 });
    expect(await kv.get("alice")).toEqual({ n: 1 });
    expect(await kv.get("bob")).toBeUndefined();
    const archive = await server.storage.open("other.example", "metrics_log", "archive");
    const id = await archive.append("carol", undefined, new Element("note").t("x"), 1000, "dave@localhost");
    const found = await archive.find("carol", {});
    expect(found.items.map((item) => item.key)).toEqual([id]);

    const text = await scrape(port);
    const driver = server.storage.driverName("localhost", "metrics_kv");
    const labels = (host: string, store: string, type: string, op: string) =>
      `host="${host}",driver="${driver}",store="${store}",type="${type}",operation="${op}"`;
    expect(text).toContain(`# TYPE ${STORAGE} histogram`);
    expect(metricValue(text, `${STORAGE}_count`, labels("localhost", "metrics_kv", "keyval", "get"))).toBe(2);
    expect(metricValue(text, `${STORAGE}_count`, labels("localhost", "metrics_kv", "keyval", "set"))).toBe(1);
    const append = labels("other.example", "metrics_log", "archive", "append");
    expect(metricValue(text, `${STORAGE}_count`, append)).toBe(1);
    expect(metricValue(text, `${STORAGE}_bucket`, `${append},le="+Inf"`)).toBe(1);
    expect(metricValue(text, `${STORAGE}_sum`, append)).toBeGreaterThan(0);
    expect(
      metricValue(text, `${STORAGE}_count`, labels("other.example", "metrics_log", "archive", "find")),
    ).toBe(1);
    expect(text).not.toMatch(new RegExp(`^${FAILURES}\\{[^}]*\\} [1-9]`, "m"));
  });

  it("passes a store's errors through unchanged, and counts them", async () => {
    const { server, port } = await startCanto();
    const rejected = new Error("disk on fire");
    const thrown = new TypeError("bad user");
    // A failing store, as a driver would hand it over; server_metrics wraps it after this hook.
    server.storage.hook("store-opened", (event) => {
      if (event.storeName !== "broken") return;
      event.store = {
        get: () => Promise.reject(rejected),
        set: () => {
          throw thrown;
        },
        users: () => (async function* () {})(),
      };
    });
    const store = await server.storage.open("localhost", "broken");
    await expect(store.get("alice")).rejects.toBe(rejected);
    expect(() => store.set("alice", { n: 1 })).toThrow(thrown);

    const text = await scrape(port);
    const driver = server.storage.driverName("localhost", "broken");
    const labels = (op: string) =>
      `host="localhost",driver="${driver}",store="broken",type="keyval",operation="${op}"`;
    expect(metricValue(text, FAILURES, labels("get"))).toBe(1);
    expect(metricValue(text, FAILURES, labels("set"))).toBe(1);
    expect(metricValue(text, `${STORAGE}_count`, labels("get"))).toBe(1);
  });

  it("stops timing once unloaded, and times again the same store after a reload", async () => {
    const { server, port } = await startCanto();
    const kv = await server.storage.open("localhost", "metrics_kv");
    await kv.get("alice");
    const count = async () =>
      metricValue(
        await scrape(port),
        `${STORAGE}_count`,
        `host="localhost",driver="${server.storage.driverName("localhost", "metrics_kv")}",store="metrics_kv",type="keyval",operation="get"`,
      );
    expect(await count()).toBe(1);
    await server.manager.unload("*", "server_metrics");
    await kv.get("alice");
    expect(await count()).toBe(1);
    await server.manager.load("localhost", "server_metrics");
    await kv.get("alice");
    expect(await count()).toBe(2);
  });
});

describe("server_metrics: connections", () => {
  it("counts open c2s and WebSocket connections, unauthenticated ones included", async () => {
    const { server, port } = await startCanto({
      modules_enabled: ["http", "http_openmetrics", "server_metrics", "c2s", "websocket"],
      c2s_ports: [0],
      c2s_direct_tls_ports: [],
    } as CantoConfig);
    const c2s = server.manager.get("*", "c2s")?.exports as C2sApi;
    const c2sPort = c2s.listeners().find((l) => l.kind === "c2s")!.port;
    const socket = connect(c2sPort, "127.0.0.1");
    cleanups.push(async () => void socket.destroy());
    const features = new Promise<void>((resolve) => {
      let seen = "";
      socket.on("data", (chunk: Buffer) => {
        seen += chunk.toString();
        if (seen.includes("stream:features")) resolve();
      });
    });
    socket.write(
      "<?xml version='1.0'?><stream:stream to='localhost' xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams' version='1.0'>",
    );
    await features;
    // Two hosts serve HTTP: the Host header picks localhost's endpoint.
    const ws = new WebSocket(`ws://127.0.0.1:${port}/xmpp-websocket`, ["xmpp"], {
      headers: { host: "localhost" },
    });
    cleanups.push(async () => void ws.terminate());
    await new Promise((resolve, reject) => ws.once("open", resolve).once("error", reject));

    const connections = "canto_mod_server_metrics__connections";
    let text = await scrape(port);
    expect(
      metricValue(text, connections, 'host="localhost",transport="c2s",type="c2s_unauthed",ip_family="ipv4"'),
    ).toBe(1);
    expect(
      metricValue(text, connections, 'host="localhost",transport="c2s",type="c2s_unauthed",ip_family="ipv6"'),
    ).toBe(0);
    // No <open/> yet: the stream has named no host.
    expect(
      metricValue(text, connections, 'host="",transport="websocket",type="c2s_unauthed",ip_family="ipv4"'),
    ).toBe(1);

    socket.destroy();
    ws.terminate();
    for (let i = 0; i < 50 && c2s.sessions().length > 0; i++) await new Promise((r) => setTimeout(r, 10));
    text = await scrape(port);
    expect(
      metricValue(text, connections, 'host="localhost",transport="c2s",type="c2s_unauthed",ip_family="ipv4"'),
    ).toBe(0);
  });
});

const promtool = spawnSync("promtool", ["--version"]).status === 0;

describe("server_metrics: exposition", () => {
  it.skipIf(!promtool)("passes promtool check metrics with every family in use", async () => {
    const { server, port } = await startCanto();
    const alice = new LocalSession(server, "alice@localhost/phone");
    await alice.process(message({ to: "alice@localhost/phone", type: "chat" }, "self"));
    await (await server.storage.open("localhost", "metrics_kv")).get("alice");
    const reply = await request(port, "/metrics", { host: "localhost" });
    expect(reply.body).toContain(OUT);
    expect(reply.body).toContain(STORAGE);
    const run = spawnSync("promtool", ["check", "metrics"], { input: reply.body, encoding: "utf8" });
    expect(`${run.stdout}${run.stderr}`).toBe("");
    expect(run.status).toBe(0);
  });
});
