import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type CantoConfig, createTestServer, type TestServer } from "canto";
import { afterEach, describe, expect, it } from "vitest";
import type { C2sApi } from "../transport/c2s.js";
import { transportModules } from "../transport/index.js";
import { RawClient } from "../transport/raw-client.test-helper.js";
import { FEATURES, until } from "../transport/transport.test-helper.js";
import { createAccount } from "./accounts.js";
import { authModules } from "./index.js";

// Many people behind one NAT address (an office, a mobile carrier): here, everyone is 127.0.0.1.

let server: { t: TestServer; dataPath: string } | undefined;
afterEach(async () => {
  await server?.t.stop();
  if (server) await rm(server.dataPath, { recursive: true, force: true });
  server = undefined;
});

/**
 * c2s with the real SASL and binding modules and the default limits, without TLS. `plainOnly`
 * offers just PLAIN: the client derives SCRAM keys in plain JS, slow for fifty logins at once.
 */
async function start(plainOnly = false): Promise<{ t: TestServer; port: number; api: C2sApi }> {
  const dataPath = await mkdtemp(join(tmpdir(), "canto-nat-"));
  const t = await createTestServer({
    modules: { ...transportModules, ...authModules },
    config: {
      data_path: dataPath,
      c2s_ports: [0],
      c2s_direct_tls_ports: [0],
      modules_enabled: ["c2s", "auth_internal_hashed", "saslauth", "bind"],
      // The client derives SCRAM keys in plain JS: the lowest allowed count keeps the test quick.
      hosts: {
        localhost: {
          c2s_require_encryption: false,
          scram_iteration_count: 4096,
          ...(plainOnly
            ? {
                allow_unencrypted_plain_auth: true,
                disable_sasl_mechanisms: ["SCRAM-SHA-1", "SCRAM-SHA-256"],
              }
            : {}),
        },
      },
    } as CantoConfig,
  });
  server = { t, dataPath };
  const api = t.server.global.modules.get("c2s")?.exports as C2sApi;
  const port = api.listeners().find((l) => l.kind === "c2s")?.port;
  if (port === undefined) throw new Error("c2s listens nowhere");
  return { t, port, api };
}

/** SASL PLAIN and resource binding over a raw TCP stream; resolves "bound" or throws with what came. */
async function plainLogin(c: RawClient, user: string, password: string): Promise<string> {
  c.open();
  const features = await c.waitFor(FEATURES, 20_000);
  if (!features.includes("PLAIN")) throw new Error(`no PLAIN offered: ${features}`);
  c.clear();
  const credentials = Buffer.from(`\0${user}\0${password}`).toString("base64");
  c.write(`<auth xmlns='urn:ietf:params:xml:ns:xmpp-sasl' mechanism='PLAIN'>${credentials}</auth>`);
  const answer = await c.waitFor(/<success|<failure[\s\S]*<\/failure>/, 20_000);
  if (!answer.includes("<success")) throw new Error(answer);
  c.clear();
  c.open();
  await c.waitFor(FEATURES, 20_000);
  c.clear();
  c.write("<iq type='set' id='b1'><bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'/></iq>");
  await c.waitFor("</jid>", 20_000);
  return "bound";
}

async function connect(port: number, username: string, password: string) {
  const { client } = await import("@xmpp/client");
  const xmpp = client({ service: `xmpp://127.0.0.1:${port}`, domain: "localhost", username, password });
  xmpp.on("error", () => {}); // a refused login also rejects start(), which is what is checked
  return xmpp;
}

/** Logs in and out; resolves "ok" or the SASL condition of the refusal. */
async function tryLogin(port: number, username: string, password: string): Promise<string> {
  const xmpp = await connect(port, username, password);
  try {
    await xmpp.start();
    return "ok";
  } catch (error) {
    return (error as { condition?: string }).condition ?? String(error);
  } finally {
    await xmpp.stop().catch(() => {});
  }
}

describe("clients sharing one address, with the default limits", () => {
  it("lets 50 clients from one address connect and log in at once", async () => {
    const { t, port, api } = await start(true);
    const users = Array.from({ length: 50 }, (_, i) => `user${i}`);
    await Promise.all(users.map((user) => createAccount(t.server, "localhost", user, `pw-${user}`)));
    const clients = await Promise.all(users.map(() => RawClient.connect(port)));
    // All fifty are connected and unauthenticated at the same moment before any logs in.
    await until(() => api.sessions().length === 50 || clients.some((c) => c.ended), 10_000);
    expect(clients.filter((c) => c.ended)).toHaveLength(0);
    expect(api.sessions()).toHaveLength(50);
    try {
      const outcomes = await Promise.all(
        clients.map((c, i) => plainLogin(c, users[i]!, `pw-${users[i]}`).catch((e: Error) => e.message)),
      );
      expect(outcomes.filter((o) => o !== "bound")).toEqual([]);
      expect(api.sessions().filter((s) => s.fullJid !== undefined)).toHaveLength(50);
    } finally {
      for (const c of clients) c.destroy();
    }
  }, 60_000);

  it("throttles alice after five wrong passwords, while bob logs in from the same address", async () => {
    const { t, port } = await start();
    await createAccount(t.server, "localhost", "alice", "correct horse");
    await createAccount(t.server, "localhost", "bob", "battery staple");
    for (let i = 0; i < 5; i++) expect(await tryLogin(port, "alice", "typo")).toBe("not-authorized");
    expect(await tryLogin(port, "bob", "battery staple")).toBe("ok");
    expect(await tryLogin(port, "alice", "correct horse")).toBe("temporary-auth-failure");
  }, 60_000);
});
