// /metrics on the started server, with the demo's module order: server_metrics loads first, so
// it sees the stores every other module opens (offline, autoloaded, included), and a real client
// moves the figures.
import { describe, expect, it } from "vitest";
import { connect, xml } from "./clients.js";
import { serverFixture } from "./fixture.js";
import { LOGIN_MODULES } from "./harness.js";

const PREFIX = "canto_mod_server_metrics__";

/** The value of the first sample of `name` whose labels contain every `labels` pair. */
function sample(text: string, name: string, labels: Record<string, string>): number | undefined {
  for (const line of text.split("\n")) {
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)/.exec(line);
    if (m?.[1] !== name) continue;
    const body = m[2] ?? "";
    if (Object.entries(labels).every(([key, value]) => body.includes(`${key}="${value}"`)))
      return Number(m[3]);
  }
  return undefined;
}

describe("/metrics on the demo server", () => {
  const t = serverFixture(
    {
      http_ports: [0],
      modules_enabled: ["server_metrics", ...LOGIN_MODULES, "http", "http_openmetrics"],
      hosts: { localhost: {} },
    },
    { users: ["alice@localhost", "bob@localhost"] },
  );

  it("counts connections, stanzas in and out, logins and storage operations", {
    timeout: 60_000,
  }, async () => {
    const http = t.server.logs.find((record) => Array.isArray(record.http))?.http as { port: number }[];
    expect(http?.[0]?.port).toBeGreaterThan(0);
    const scrape = async () => {
      // What Prometheus asks for; without it the answer is the older Prometheus text format.
      const response = await fetch(`http://127.0.0.1:${http[0]!.port}/metrics`, {
        headers: { accept: "application/openmetrics-text; version=1.0.0" },
      });
      expect(response.status).toBe(200);
      return response.text();
    };

    const alice = t.track(await connect({ port: t.server.port, username: "alice", password: "alice-pw" }));
    // bob is offline: the message goes to the offline store, opened by an autoloaded module.
    await alice.xmpp.send(xml("message", { to: "bob@localhost", type: "chat" }, xml("body", {}, "hi")));
    await alice.iq("get", undefined, xml("query", { xmlns: "jabber:iq:roster" }));

    const text = await scrape();
    expect(text.trimEnd().endsWith("# EOF")).toBe(true);
    const host = { host: "localhost" };
    expect(sample(text, `${PREFIX}connections`, { ...host, transport: "c2s", type: "c2s" })).toBe(1);
    expect(sample(text, `${PREFIX}sessions`, host)).toBe(1);
    expect(sample(text, `${PREFIX}stanzas_in_total`, { ...host, kind: "message" })).toBe(1);
    expect(sample(text, `${PREFIX}stanzas_in_total`, { ...host, kind: "iq" })).toBeGreaterThanOrEqual(1);
    expect(sample(text, `${PREFIX}stanzas_out_total`, { ...host, kind: "iq" })).toBeGreaterThanOrEqual(1);
    expect(sample(text, `${PREFIX}routing_seconds_count`, { ...host, kind: "message", to: "bare" })).toBe(1);
    expect(sample(text, "canto_mod_saslauth__auth_success_total", host)).toBe(1);
    const storage = `${PREFIX}storage_operation_seconds_count`;
    expect(sample(text, storage, { ...host, store: "offline", type: "archive", operation: "append" })).toBe(
      1,
    );
    expect(sample(text, storage, { ...host, store: "roster", operation: "get" })).toBeGreaterThanOrEqual(1);
    expect(sample(text, storage, { ...host, store: "accounts", operation: "get" })).toBeGreaterThanOrEqual(1);
  });
});
