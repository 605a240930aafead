import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type CantoConfig, type CantoServer, createServer, type Module } from "canto";
import { afterEach, describe, expect, it } from "vitest";
import { portOf, request, startHttp } from "./http.test-helper.js";
import { httpModules } from "./index.js";

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** Counts three hits when loaded, so /metrics has a figure a module recorded. */
const counterTest = (module: Module) => {
  const hits = module.measure("hits", "counter");
  hits();
  hits(2);
};

/** A production-wired server (`createServer`: OpenTelemetry SDK, SQLite in a temp folder), started. */
async function startCanto(config: CantoConfig = {}): Promise<{ server: CantoServer; port: number }> {
  const dataPath = await mkdtemp(join(tmpdir(), "canto-http-"));
  cleanups.push(() => rm(dataPath, { recursive: true, force: true }));
  const server = await createServer({
    config: {
      data_path: dataPath,
      log_level: "silent",
      http_ports: [0],
      modules_enabled: ["http", "http_openmetrics", "counter_test"],
      hosts: { localhost: {} },
      ...config,
    } as CantoConfig,
    modules: { ...httpModules, counter_test: counterTest },
  });
  await server.start();
  cleanups.push(() => server.stop());
  return { server, port: portOf(server) };
}

const OPENMETRICS = "application/openmetrics-text; version=1.0.0; charset=utf-8";

describe("http_openmetrics", () => {
  it("serves OpenMetrics at /metrics to a scraper asking for it, with a module's counter, ending in # EOF", async () => {
    const { port } = await startCanto();
    expect((await request(port, "/nothing")).status).toBe(404);
    const reply = await request(port, "/metrics", {
      headers: { accept: "application/openmetrics-text;version=1.0.0,text/plain;version=0.0.4;q=0.5" },
    });
    expect(reply.status).toBe(200);
    expect(reply.headers["content-type"]).toMatch(/^application\/openmetrics-text; version=1\.0\.0/);
    expect(reply.headers.vary).toBe("Accept");
    expect(reply.body.endsWith("# EOF\n")).toBe(true);
    expect(reply.body).toMatch(/^canto_mod_counter_test__hits_total\{host="localhost"\} 3$/m);
    expect(reply.body).toMatch(/^canto_mod_counter_test__hits_created\{host="localhost"\} \d/m);
    // http counts its own requests.
    expect(reply.body).toMatch(/^canto_mod_http__requests_total\{status="404"\} 1$/m);
  });

  it('names metrics as Prosody does with openmetrics_prefix = "prosody", so existing dashboards keep working', async () => {
    const { port } = await startCanto({ openmetrics_prefix: "prosody" } as CantoConfig);
    await request(port, "/nothing");
    const reply = await request(port, "/metrics", { headers: { accept: "application/openmetrics-text" } });
    expect(reply.status).toBe(200);
    expect(reply.body).toMatch(/^# TYPE prosody_mod_counter_test__hits counter$/m);
    expect(reply.body).toMatch(/^prosody_mod_counter_test__hits_total\{host="localhost"\} 3$/m);
    expect(reply.body).toMatch(/^prosody_mod_http__requests_total\{status="404"\} 1$/m);
    expect(reply.body).not.toMatch(/^canto_/m);
  });

  it("refuses a malformed openmetrics_prefix when the server is made, naming the option", async () => {
    await expect(startCanto({ openmetrics_prefix: "9 lives" } as CantoConfig)).rejects.toThrow(
      /openmetrics_prefix/,
    );
  });

  it("serves the Prometheus text format by default (no Accept)", async () => {
    const { port } = await startCanto();
    const reply = await request(port, "/metrics");
    expect(reply.status).toBe(200);
    expect(reply.headers["content-type"]).toMatch(/^text\/plain; version=0\.0\.4/);
    expect(reply.headers["content-type"]).not.toBe(OPENMETRICS);
    expect(reply.body).not.toContain("# EOF");
    expect(reply.body).toMatch(/^canto_mod_counter_test__hits_total\{host="localhost"\} 3$/m);
  });

  it("answers 403 to an address outside openmetrics_allow_ips / openmetrics_allow_cidr", async () => {
    const { port } = await startCanto({
      openmetrics_allow_ips: ["10.1.2.3"],
      openmetrics_allow_cidr: "192.168.0.0/16",
    });
    const reply = await request(port, "/metrics");
    expect(reply.status).toBe(403);
    expect(reply.body).not.toContain("canto_");
  });

  it("serves 127.0.0.1 when a CIDR covers it", async () => {
    const { port } = await startCanto({ openmetrics_allow_ips: [], openmetrics_allow_cidr: ["127.0.0.0/8"] });
    expect((await request(port, "/metrics")).status).toBe(200);
  });

  it("fails to load on a malformed allow list instead of serving everyone", async () => {
    const { server, port } = await startCanto({ openmetrics_allow_cidr: "10.0.0.0/99" });
    expect(server.manager.isLoaded("localhost", "http_openmetrics")).toBe(false);
    expect((await request(port, "/metrics")).status).toBe(404);
  });

  it("moves with http_paths, and only answers GET and HEAD", async () => {
    const { port } = await startCanto({ http_paths: { openmetrics: "/stats/metrics" } });
    expect((await request(port, "/metrics")).status).toBe(404);
    expect((await request(port, "/stats/metrics")).status).toBe(200);
    expect((await request(port, "/stats/metrics", { method: "POST", body: "" })).status).toBe(405);
  });

  it("answers 404 'No statistics provider configured' on a server without a metrics SDK", async () => {
    const { t, port } = await startHttp({ modules_enabled: ["http", "http_openmetrics"] }, {});
    cleanups.push(() => t.stop());
    const reply = await request(port, "/metrics");
    expect(reply.status).toBe(404);
    expect(reply.body).toBe("No statistics provider configured\n");
  });

  it("loads once for every host when enabled globally", async () => {
    const { server, port } = await startCanto({ hosts: { "a.example": {}, "b.example": {} } });
    expect(server.manager.isLoaded("a.example", "http_openmetrics")).toBe(true);
    expect(server.manager.isLoaded("b.example", "http_openmetrics")).toBe(true);
    expect((await request(port, "/metrics", { host: "b.example" })).status).toBe(200);
  });
});
