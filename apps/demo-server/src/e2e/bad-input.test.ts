// Bad input over raw sockets against `node dist/cli.js start`, while a good client keeps working.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { connect, type TestClient, xml } from "./clients.js";
import {
  addUser,
  LOGIN_MODULES,
  requireBuild,
  type ServerProcess,
  startServer,
  tempConfig,
} from "./harness.js";
import { RawClient, STREAM_HEADER } from "./raw-socket.js";

const streamError = (condition: string) =>
  new RegExp(`<stream:error><${condition} xmlns=['"]urn:ietf:params:xml:ns:xmpp-streams['"]`);

describe("bad input over a raw socket", () => {
  const config = tempConfig({
    modules_enabled: [...LOGIN_MODULES, "ping"],
    c2s_stanza_size_limit: 2048,
    // Short, but long enough for the good client to authenticate on a busy machine.
    c2s_timeout: 4,
    hosts: { localhost: {} },
  });
  let server: ServerProcess | undefined;
  let good: TestClient | undefined;
  const raws: RawClient[] = [];
  const raw = async () => {
    const client = await RawClient.plain(server?.port ?? 0);
    raws.push(client);
    return client;
  };

  // After each bad connection, the good client's session still answers.
  const goodStillWorks = async () => {
    const pong = await good?.iq("get", "localhost", xml("ping", { xmlns: "urn:xmpp:ping" }));
    expect(pong?.attrs.type).toBe("result");
  };

  beforeAll(async () => {
    requireBuild();
    await addUser(config.dir, "good@localhost", "good-pw");
    server = await startServer(config);
    good = await connect({ port: server.port, username: "good", password: "good-pw" });
  });

  afterAll(async () => {
    for (const client of raws) client.destroy();
    await good?.stop();
    try {
      await server?.stop();
    } finally {
      server?.kill();
      config.remove();
    }
  });

  it("answers malformed XML with not-well-formed and closes", async () => {
    const client = await raw();
    client.write(`${STREAM_HEADER}<message><body>unclosed</message>`);
    await client.waitFor(streamError("not-well-formed"));
    await client.waitClosed();
    await goodStillWorks();
  });

  it("answers garbage bytes with a stream error and closes", async () => {
    const client = await raw();
    client.write(Buffer.from([0x00, 0xff, 0xfe, 0x3c, 0x3c, 0x21, 0x00, 0x13, 0x37]));
    await client.waitFor(/<stream:error>/);
    await client.waitClosed();
    await goodStillWorks();
  });

  it("answers a stanza over c2s_stanza_size_limit with policy-violation and closes", async () => {
    const client = await raw();
    await client.open();
    client.write(`<message to='good@localhost'><body>${"x".repeat(4096)}</body></message>`);
    await client.waitFor(streamError("policy-violation"));
    await client.waitClosed();
    await goodStillWorks();
  });

  it("answers a stanza before authentication with not-authorized and closes", async () => {
    const client = await raw();
    await client.open();
    // Plaintext stream with a certificate available: only STARTTLS is allowed before it, so the
    // unauthenticated stanza is refused (policy-violation) or not authorized, and the stream closes.
    client.write("<message to='good@localhost'><body>hi</body></message>");
    await client.waitFor(/<stream:error><(not-authorized|policy-violation) /);
    await client.waitClosed();
    expect(good?.received.some((s) => s.getChildText("body") === "hi")).toBe(false);
    await goodStillWorks();
  });

  it("answers a stanza before authentication on an encrypted stream with not-authorized", async () => {
    const client = await RawClient.directTls(server?.tlsPort ?? 0);
    raws.push(client);
    await client.open();
    client.write("<message to='good@localhost'><body>tls hi</body></message>");
    await client.waitFor(streamError("not-authorized"));
    await client.waitClosed();
    expect(good?.received.some((s) => s.getChildText("body") === "tls hi")).toBe(false);
    await goodStillWorks();
  });

  it("closes a client that never finishes its stream header with connection-timeout", {
    timeout: 30_000,
  }, async () => {
    const client = await raw();
    client.write("<?xml version='1.0'?><stream:stream to='localhost' version='1.0' xmlns='jabber:cl");
    await client.waitFor(streamError("connection-timeout"), 15_000);
    await client.waitClosed();
    await goodStillWorks();
  });
});
