import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import type { IncomingMessage, ServerResponse } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { sdkMetrics } from "../helpers.test-helper.js";
import { freePort, serve } from "./http.test-helper.js";

// A real Prometheus (Debian's prometheus package) scrapes our endpoint over loopback.
const available = spawnSync("prometheus", ["--version"]).status === 0;

interface QueryResult {
  metric: Record<string, string>;
  value: [number, string];
}

async function getJson<T>(url: string): Promise<T> {
  const res = await fetch(url);
  return ((await res.json()) as { data: T }).data;
}

async function until<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < deadline) {
    try {
      const value = await probe();
      if (value !== undefined) return value;
    } catch (err) {
      last = err;
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`timed out waiting for ${what}${last ? `: ${String(last)}` : ""}`);
}

describe.skipIf(!available)("a real Prometheus server scraping over OpenMetrics", () => {
  const m = sdkMetrics();
  const accepts: string[] = [];
  const contentTypes: string[] = [];
  let dir = "";
  let prometheus: ChildProcess | undefined;
  let api = "";
  let closeTarget: (() => Promise<void>) | undefined;
  let log = "";

  beforeAll(async () => {
    const scope = m.metrics.scope({ module: "test", host: "localhost" });
    scope.metric("counter", "hits", "", "Hits", ["kind"]).withLabels("ping").add(3);
    scope.measure("sessions", "amount", { description: "Sessions" })(7);
    const latency = scope
      .metric("histogram", "latency", "seconds", "Latency", [], { buckets: [1, 5] })
      .withLabels();
    for (const v of [0.5, 2, 10]) latency.sample(v);

    const handler = m.handler();
    const target = await serve(async (req: IncomingMessage, res: ServerResponse) => {
      accepts.push(req.headers.accept ?? "");
      await handler(req, res);
      contentTypes.push(String(res.getHeader("content-type")));
    });
    closeTarget = target.close;

    dir = mkdtempSync(join(tmpdir(), "canto-prometheus-"));
    const port = await freePort();
    api = `http://127.0.0.1:${port}/api/v1`;
    writeFileSync(
      join(dir, "prometheus.yml"),
      [
        "global:",
        "  scrape_interval: 1s",
        "  scrape_timeout: 1s",
        "scrape_configs:",
        "  - job_name: canto",
        "    static_configs:",
        `      - targets: ["${target.url.replace("http://", "")}"]`,
        "",
      ].join("\n"),
    );
    prometheus = spawn(
      "prometheus",
      [
        `--config.file=${join(dir, "prometheus.yml")}`,
        `--storage.tsdb.path=${join(dir, "data")}`,
        `--web.listen-address=127.0.0.1:${port}`,
        "--log.level=warn",
      ],
      { cwd: dir, stdio: ["ignore", "pipe", "pipe"] },
    );
    prometheus.stdout?.on("data", (d) => (log += d));
    prometheus.stderr?.on("data", (d) => (log += d));
  }, 60_000);

  afterAll(async () => {
    if (prometheus?.exitCode === null) {
      const exited = new Promise((r) => prometheus?.once("exit", r));
      prometheus.kill("SIGTERM");
      await Promise.race([exited, new Promise((r) => setTimeout(r, 5000))]);
      if (prometheus.exitCode === null) prometheus.kill("SIGKILL");
    }
    await closeTarget?.();
    await m.shutdown();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  async function query(promql: string): Promise<QueryResult[]> {
    return until(`a result for ${promql}\n${log}`, async () => {
      const data = await getJson<{ result: QueryResult[] }>(
        `${api}/query?query=${encodeURIComponent(promql)}`,
      );
      return data.result.length > 0 ? data.result : undefined;
    });
  }

  it("reports the target up, scraped as OpenMetrics", async () => {
    const target = await until(`the target to be up\n${log}`, async () => {
      const data = await getJson<{ activeTargets: { health: string; lastError: string }[] }>(
        `${api}/targets`,
      );
      const t = data.activeTargets[0];
      if (t?.lastError) throw new Error(t.lastError);
      return t?.health === "up" ? t : undefined;
    });
    expect(target.lastError).toBe("");
    expect(accepts.some((a) => a.includes("application/openmetrics-text"))).toBe(true);
    expect(contentTypes).toContain("application/openmetrics-text; version=1.0.0; charset=utf-8");
  }, 60_000);

  it("answers queries for a counter, a gauge and a histogram with the recorded values", async () => {
    const [hits] = await query('canto_mod_test__hits_total{host="localhost",kind="ping"}');
    expect(hits?.value[1]).toBe("3");
    const [sessions] = await query('canto_mod_test__sessions{host="localhost"}');
    expect(sessions?.value[1]).toBe("7");
    const buckets = await query('canto_mod_test__latency_seconds_bucket{host="localhost"}');
    const byLe = Object.fromEntries(buckets.map((r) => [r.metric.le, r.value[1]]));
    expect(byLe).toEqual({ "1.0": "1", "5.0": "2", "+Inf": "3" });
    const [count] = await query('canto_mod_test__latency_seconds_count{host="localhost"}');
    expect(count?.value[1]).toBe("3");
    const [sum] = await query('canto_mod_test__latency_seconds_sum{host="localhost"}');
    expect(sum?.value[1]).toBe("12.5");
    const [up] = await query('up{job="canto"}');
    expect(up?.value[1]).toBe("1");
  }, 60_000);
});
