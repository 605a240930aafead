import { afterEach, describe, expect, it } from "vitest";
import { InvalidAllowListError } from "../errors.js";
import { memoryLogger, sdkMetrics } from "../helpers.test-helper.js";
import { createAllowList } from "./access.js";
import { createMetricsHandler, negotiateFormat } from "./handler.js";
import { serve } from "./http.test-helper.js";

const PROMETHEUS_ACCEPT =
  "application/openmetrics-text;version=1.0.0,application/openmetrics-text;version=0.0.1;q=0.75,text/plain;version=0.0.4;q=0.5,*/*;q=0.1";

describe("negotiateFormat()", () => {
  it("gives OpenMetrics to clients that ask for it, Prometheus text to others", () => {
    expect(negotiateFormat(PROMETHEUS_ACCEPT)).toBe("openmetrics");
    expect(negotiateFormat("Application/OpenMetrics-Text; version=1.0.0")).toBe("openmetrics");
    expect(negotiateFormat("text/plain, application/openmetrics-text;q=0.3")).toBe("openmetrics");
    expect(negotiateFormat("application/openmetrics-text;q=0")).toBe("prometheus");
    expect(negotiateFormat("text/plain;version=0.0.4")).toBe("prometheus");
    expect(negotiateFormat("*/*")).toBe("prometheus");
    expect(negotiateFormat(undefined)).toBe("prometheus");
  });
});

describe("createAllowList()", () => {
  it("allows loopback by default and nothing else", () => {
    const allowed = createAllowList();
    expect(allowed("127.0.0.1")).toBe(true);
    expect(allowed("::1")).toBe(true);
    expect(allowed("::ffff:127.0.0.1")).toBe(true);
    expect(allowed("127.0.0.2")).toBe(false);
    expect(allowed("10.1.2.3")).toBe(false);
    expect(allowed(undefined)).toBe(false);
    expect(allowed("not an address")).toBe(false);
  });

  it("takes exact addresses and CIDRs, IPv4 and IPv6", () => {
    const allowed = createAllowList(["192.0.2.7"], ["10.0.0.0/8", "2001:db8::/32"]);
    expect(allowed("192.0.2.7")).toBe(true);
    expect(allowed("::ffff:10.20.30.40")).toBe(true);
    expect(allowed("2001:db8::1")).toBe(true);
    expect(allowed("2001:db9::1")).toBe(false);
    expect(allowed("127.0.0.1")).toBe(false);
    expect(createAllowList([], "192.168.0.0/16")("192.168.4.4")).toBe(true);
  });

  it("refuses entries that are not addresses or CIDRs", () => {
    expect(() => createAllowList(["localhost"])).toThrow(InvalidAllowListError);
    for (const cidr of ["10.0.0.0", "10.0.0.0/33", "10.0.0.0/x", "foo/8", "10.0.0.0/8/1"]) {
      expect(() => createAllowList([], cidr)).toThrow(
        expect.objectContaining({ code: "invalid-allow-list" }),
      );
    }
  });
});

describe("createMetricsHandler() over HTTP on loopback", () => {
  const closers: (() => Promise<void>)[] = [];
  afterEach(async () => {
    for (const close of closers.splice(0)) await close();
  });

  async function start(options: Parameters<ReturnType<typeof sdkMetrics>["handler"]>[0] = {}) {
    const m = sdkMetrics();
    m.metrics.scope({ module: "test", host: "localhost" }).measure("hits", "rate")();
    const server = await serve(m.handler(options));
    closers.push(server.close, () => m.shutdown());
    return { m, url: server.url };
  }

  it("serves OpenMetrics with version 1.0.0 to an OpenMetrics client", async () => {
    const { url } = await start();
    const res = await fetch(`${url}/metrics`, { headers: { Accept: PROMETHEUS_ACCEPT } });
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe(
      "application/openmetrics-text; version=1.0.0; charset=utf-8",
    );
    const body = await res.text();
    expect(body).toContain('canto_mod_test__hits_total{host="localhost"} 1\n');
    expect(body.endsWith("# EOF\n")).toBe(true);
  });

  it("serves the Prometheus text format 0.0.4 to any other client", async () => {
    const { url } = await start();
    const res = await fetch(`${url}/metrics`);
    expect(res.headers.get("content-type")).toBe("text/plain; version=0.0.4; charset=utf-8");
    const body = await res.text();
    expect(body).toContain('canto_mod_test__hits_total{host="localhost"} 1\n');
    expect(body).not.toContain("# EOF");
  });

  it("answers 403 to addresses outside the allow-list", async () => {
    const { url } = await start({ openmetrics_allow_ips: ["192.0.2.1"] });
    const res = await fetch(`${url}/metrics`);
    expect(res.status).toBe(403);
    expect(await res.text()).toBe("Forbidden\n");
  });

  it("lets a CIDR in", async () => {
    const { url } = await start({ openmetrics_allow_ips: [], openmetrics_allow_cidr: "127.0.0.0/8" });
    expect((await fetch(`${url}/metrics`)).status).toBe(200);
  });

  it("answers 404 off its path, 405 to other methods, and HEAD without a body", async () => {
    const { url } = await start();
    expect((await fetch(`${url}/other`)).status).toBe(404);
    expect((await fetch(`${url}/metrics?x=1`)).status).toBe(200);
    const post = await fetch(`${url}/metrics`, { method: "POST" });
    expect(post.status).toBe(405);
    expect(post.headers.get("allow")).toBe("GET, HEAD");
    const head = await fetch(`${url}/metrics`, { method: "HEAD" });
    expect(head.status).toBe(200);
    expect(await head.text()).toBe("");
  });

  it("serves every path when path is null", async () => {
    const { url } = await start({ path: null });
    expect((await fetch(`${url}/anything`)).status).toBe(200);
  });

  it("answers 500 and logs when collecting fails", async () => {
    const logger = memoryLogger();
    const server = await serve(
      createMetricsHandler({
        logger,
        collect: () => {
          throw new Error("boom");
        },
      }),
    );
    closers.push(server.close);
    expect((await fetch(`${server.url}/metrics`)).status).toBe(500);
    expect(logger.records("error")[0]!.msg).toBe("collecting metrics failed");
  });
});
