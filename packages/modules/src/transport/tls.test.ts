import { X509Certificate } from "node:crypto";
import { readFile, stat, writeFile } from "node:fs/promises";
import { join } from "node:path";
import type { TLSSocket } from "node:tls";
import { cron } from "canto";
import { generate } from "selfsigned";
import { afterEach, describe, expect, it } from "vitest";
import { authModules } from "../auth/index.js";
import { NS } from "../shared/contracts.js";
import { RawClient } from "./raw-client.test-helper.js";
import { FEATURES, login, type Started, start, until } from "./transport.test-helper.js";

const current: Started[] = [];
const clients: RawClient[] = [];
afterEach(async () => {
  for (const client of clients.splice(0)) client.destroy();
  for (const s of current.splice(0)) await s.cleanup();
});

async function server(...args: Parameters<typeof start>): Promise<Started> {
  const s = await start(...args);
  current.push(s);
  return s;
}

async function client(port: number, options?: Parameters<typeof RawClient.connect>[1]): Promise<RawClient> {
  const c = await RawClient.connect(port, options);
  clients.push(c);
  return c;
}

const WITH_TLS = { modules_enabled: ["c2s", "tls", "test_auth"] };
const streamError = (condition: string) =>
  new RegExp(`<stream:error><${condition} xmlns=["']urn:ietf:params:xml:ns:xmpp-streams["']`);
const peerFingerprint = (c: RawClient) => (c.socket as TLSSocket).getPeerX509Certificate()?.fingerprint256;

describe("tls: STARTTLS", () => {
  it("offers <starttls><required/>, upgrades on <proceed/>, and the restarted stream is secure", async () => {
    const { port, api } = await server(WITH_TLS);
    const c = await client(port);
    c.open();
    const features = await c.waitFor(FEATURES);
    expect(features).toContain(`<starttls xmlns="${NS.tls}"><required/></starttls>`);
    c.clear();
    c.write(`<starttls xmlns='${NS.tls}'/>`);
    expect(await c.waitFor("<proceed")).toContain(`<proceed xmlns="${NS.tls}"/>`);
    await c.startTls();
    c.open();
    const secureFeatures = await c.waitFor(FEATURES);
    expect(secureFeatures).toMatch(/<stream:stream [^>]*from='localhost'/);
    expect(secureFeatures).not.toContain("starttls");
    await until(() => api.sessions()[0]?.secure === true);
    expect(api.sessions()[0]?.canStartTls).toBe(false);
    // The secure stream carries on: authenticate and bind through it.
    await login(c, "alice", "phone", true);
    expect(c.ended).toBe(false);
  });

  it("offers SASL to a stream restarted in the same read as the end of the TLS handshake", async () => {
    // The real SASL module: it offers mechanisms only once the session is secure.
    const { port } = await server(
      { modules_enabled: ["c2s", "tls", "saslauth", "auth_internal_hashed"] },
      { modules: authModules },
    );
    const c = await client(port);
    c.open();
    expect(await c.waitFor(FEATURES)).not.toContain("<mechanisms");
    c.write(`<starttls xmlns='${NS.tls}'/>`);
    await c.waitFor("<proceed");
    await c.startTls(
      "localhost",
      "<?xml version='1.0'?><stream:stream xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams' to='localhost' version='1.0'>",
    );
    const features = await c.waitFor(FEATURES);
    expect(features).toContain(`<mechanisms xmlns="${NS.sasl}">`);
  });

  it("refuses anything but STARTTLS on a plaintext stream with policy-violation, while a good client upgrades", async () => {
    const { port } = await server(WITH_TLS);
    const good = await client(port);
    good.open();
    await good.waitFor(FEATURES);
    const bad = await client(port);
    bad.open();
    await bad.waitFor(FEATURES);
    bad.write("<auth xmlns='urn:test:auth' user='mallory'/>");
    expect(await bad.waitFor("</stream:stream>")).toMatch(streamError("policy-violation"));
    await bad.closed();
    good.write(`<starttls xmlns='${NS.tls}'/>`);
    await good.waitFor("<proceed");
    await good.startTls();
    await login(good, "alice", "phone");
  });

  it("upgrades a rate-limited session (limits.c2s) whose STARTTLS arrives while reading is paused", async () => {
    const scheduler = cron.createScheduler();
    const { port } = await server(
      { ...WITH_TLS, limits: { c2s: { rate: "20kb/s", burst: "1s" } } },
      { scheduler },
    );
    const c = await client(port);
    // 30 kB of whitespace puts the session 10 kB in debt: the <starttls/> behind it is held a while.
    c.write(" ".repeat(30_000));
    c.open();
    c.write(`<starttls xmlns='${NS.tls}'/>`);
    await c.waitFor("<proceed", 5000);
    await c.startTls();
    await login(c, "alice", "phone");
  });

  it("with c2s_require_encryption = false, offers STARTTLS without <required/> and allows plaintext", async () => {
    const { port } = await server({ ...WITH_TLS, c2s_require_encryption: false });
    const c = await client(port);
    c.open();
    const features = await c.waitFor(FEATURES);
    expect(features).toContain(`<starttls xmlns="${NS.tls}"/>`);
    await login(c, "alice", "phone", true);
  });

  it("answers <starttls/> on an already encrypted stream with <failure/> and closes", async () => {
    const { tlsPort } = await server(WITH_TLS);
    const c = await client(tlsPort, { tls: true, servername: "localhost" });
    c.open();
    await c.waitFor(FEATURES);
    c.write(`<starttls xmlns='${NS.tls}'/>`);
    const text = await c.waitFor("</stream:stream>");
    expect(text).toContain(`<failure xmlns="${NS.tls}"/>`);
    await c.closed();
  });

  it("never reads plaintext sent behind <starttls/> (no STARTTLS command injection)", async () => {
    const { port, t } = await server(WITH_TLS);
    let injected = 0;
    t.server.host("localhost")!.events.hook(
      "stanza/urn:test:auth:auth",
      () => {
        injected++;
      },
      100,
    );
    const c = await client(port);
    c.open();
    await c.waitFor(FEATURES);
    c.write(`<starttls xmlns='${NS.tls}'/><auth xmlns='urn:test:auth' user='mallory'/>`);
    await c.closed();
    expect(injected).toBe(0);
  });
});

describe("tls: certificates", () => {
  it("generates a self-signed certificate into <data_path>/certs on first start and reuses it", async () => {
    const first = await server(WITH_TLS);
    const certPath = join(first.dataPath, "certs", "localhost.crt");
    const keyPath = join(first.dataPath, "certs", "localhost.key");
    const pem = await readFile(certPath, "utf8");
    const cert = new X509Certificate(pem);
    expect(cert.subject).toContain("CN=localhost");
    expect(cert.subjectAltName).toContain("DNS:localhost");
    expect((await stat(keyPath)).mode & 0o077).toBe(0);
    const c = await client(first.tlsPort, { tls: true, servername: "localhost" });
    expect(peerFingerprint(c)).toBe(cert.fingerprint256);
    c.destroy();
    await first.t.stop();
    const second = await server(WITH_TLS, { dataPath: first.dataPath });
    expect(await readFile(certPath, "utf8")).toBe(pem);
    const again = await client(second.tlsPort, { tls: true, servername: "localhost" });
    expect(peerFingerprint(again)).toBe(cert.fingerprint256);
  });

  it("uses a configured certificate (Prosody's ssl = { certificate, key }) and reports unreadable files", async () => {
    const first = await server({ modules_enabled: [] });
    const made = await generate([{ name: "commonName", value: "configured.example" }], {
      keyType: "ec",
      curve: "P-256",
      algorithm: "sha256",
    });
    const certificate = join(first.dataPath, "server.crt");
    const key = join(first.dataPath, "server.key");
    await writeFile(certificate, made.cert);
    await writeFile(key, made.private);
    const { tlsPort } = await server(
      { ...WITH_TLS, ssl: { certificate, key } },
      { dataPath: first.dataPath },
    );
    const c = await client(tlsPort, { tls: true, servername: "localhost" });
    expect(peerFingerprint(c)).toBe(new X509Certificate(made.cert).fingerprint256);

    const broken = await server(
      { ...WITH_TLS, modules_enabled: ["c2s"], certificate: join(first.dataPath, "missing.crt"), key },
      { dataPath: first.dataPath },
    );
    await expect(broken.t.server.manager.load("localhost", "tls")).rejects.toThrow(
      /cannot read the TLS certificate .*missing\.crt/,
    );
  });

  it("offers no STARTTLS and enforces nothing when no certificate is available (tls_self_signed = false)", async () => {
    const { port } = await server({ ...WITH_TLS, tls_self_signed: false });
    const c = await client(port);
    c.open();
    expect(await c.waitFor(FEATURES)).not.toContain("starttls");
    await login(c, "alice", "phone", true);
  });
});

describe("tls: direct TLS (XEP-0368)", () => {
  it("speaks TLS from the first byte, negotiates ALPN xmpp-client and offers no STARTTLS", async () => {
    const { tlsPort, api } = await server(WITH_TLS);
    const c = await client(tlsPort, { tls: true, servername: "localhost", ALPN: ["xmpp-client"] });
    expect((c.socket as TLSSocket).alpnProtocol).toBe("xmpp-client");
    c.open();
    const features = await c.waitFor(FEATURES);
    expect(features).not.toContain("starttls");
    await until(() => api.sessions().length === 1);
    expect(api.sessions()[0]?.secure).toBe(true);
    // TLS reads the TCP socket through JavaScript (tlsTransport): the address still comes from TCP.
    expect(api.sessions()[0]?.ip).toBe("127.0.0.1");
    await login(c, "alice", "phone", true);
  });

  it("picks each host's certificate by SNI", async () => {
    const { tlsPort, dataPath } = await server({
      ...WITH_TLS,
      hosts: { localhost: {}, "other.example": {} },
    });
    const a = await client(tlsPort, { tls: true, servername: "localhost" });
    const b = await client(tlsPort, { tls: true, servername: "other.example" });
    const other = new X509Certificate(await readFile(join(dataPath, "certs", "other.example.crt"), "utf8"));
    expect(peerFingerprint(b)).toBe(other.fingerprint256);
    expect(peerFingerprint(a)).not.toBe(other.fingerprint256);
    b.open("other.example");
    expect(await b.waitFor(FEATURES)).toContain("from='other.example'");
  });
});
