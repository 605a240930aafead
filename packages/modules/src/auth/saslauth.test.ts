import type { TestServer } from "canto";
import { afterEach, describe, expect, it } from "vitest";
import { createAccount } from "./accounts.js";
import {
  authServer,
  fakeSession,
  last,
  type MetricRecord,
  mechanismsOf,
  plainLogin,
  recorded,
  sasl,
  scramLogin,
} from "./fake-session.test-helper.js";

let t: TestServer | undefined;
afterEach(async () => {
  await t?.stop();
  t = undefined;
});

async function withAlice(options: Record<string, unknown> = {}) {
  t = await authServer(options);
  await createAccount(t.server, "localhost", "alice", "correct horse");
  return t;
}

describe("saslauth stream features", () => {
  it("offers SCRAM-SHA-256, SCRAM-SHA-1 and PLAIN on a secure connection", async () => {
    const server = await withAlice();
    expect(await mechanismsOf(server, fakeSession(server))).toEqual([
      "SCRAM-SHA-256",
      "SCRAM-SHA-1",
      "PLAIN",
    ]);
  });

  it("offers nothing before TLS while c2s_require_encryption holds (the default)", async () => {
    const server = await withAlice();
    expect(await mechanismsOf(server, fakeSession(server, { secure: false }))).toBeUndefined();
  });

  it("leaves PLAIN out without TLS unless allow_unencrypted_plain_auth", async () => {
    const server = await withAlice({ c2s_require_encryption: false });
    expect(await mechanismsOf(server, fakeSession(server, { secure: false }))).toEqual([
      "SCRAM-SHA-256",
      "SCRAM-SHA-1",
    ]);
    await server.stop();
    const relaxed = await withAlice({ c2s_require_encryption: false, allow_unencrypted_plain_auth: true });
    expect(await mechanismsOf(relaxed, fakeSession(relaxed, { secure: false }))).toContain("PLAIN");
  });

  it("offers no mechanisms once authenticated, and respects disable_sasl_mechanisms", async () => {
    const server = await withAlice({ disable_sasl_mechanisms: ["scram-sha-1"] });
    const session = fakeSession(server);
    expect(await mechanismsOf(server, session)).toEqual(["SCRAM-SHA-256", "PLAIN"]);
    expect(await scramLogin(server, session, "alice", "correct horse")).toBe("success");
    expect(await mechanismsOf(server, session)).toBeUndefined();
  });

  it("follows disable_sasl_mechanisms after a config reload", async () => {
    const server = await withAlice();
    expect(await mechanismsOf(server, fakeSession(server))).toEqual([
      "SCRAM-SHA-256",
      "SCRAM-SHA-1",
      "PLAIN",
    ]);
    server.server.config.set("*", "disable_sasl_mechanisms", ["PLAIN"]);
    server.server.global.events.fire("config-reloaded", {});
    expect(await mechanismsOf(server, fakeSession(server))).toEqual(["SCRAM-SHA-256", "SCRAM-SHA-1"]);
  });
});

describe("SASL authentication flows", () => {
  for (const hash of ["sha-1", "sha-256"] as const) {
    it(`logs in with SCRAM-${hash.toUpperCase()}: success with server signature, authenticated, stream reset`, async () => {
      const server = await withAlice();
      const session = fakeSession(server);
      let seen: unknown;
      server.server.host("localhost")!.events.hook("authentication-success", (e) => {
        seen = (e as { session: unknown }).session;
      });
      expect(await scramLogin(server, session, "Alice", "correct horse", hash)).toBe("success");
      expect(session.type).toBe("c2s");
      expect(session.username).toBe("alice");
      expect(session.resets).toBe(1);
      expect(seen).toBe(session);
      expect(session.role).toMatch(/:registered$/);
    });
  }

  it("gives an admin's session the admin role", async () => {
    const server = await withAlice({ admins: ["alice@localhost"] });
    const session = fakeSession(server);
    await plainLogin(server, session, "alice", "correct horse");
    expect(session.role).toMatch(/:(admin|operator)$/);
  });

  it("logs in with PLAIN over TLS and refuses it without TLS with encryption-required", async () => {
    const server = await withAlice({ c2s_require_encryption: false });
    const secure = fakeSession(server);
    await plainLogin(server, secure, "alice", "correct horse");
    expect(last(secure)).toBe("success");
    expect(secure.sent.at(-1)!.getText()).toBe("");
    const plain = fakeSession(server, { secure: false });
    await plainLogin(server, plain, "alice", "correct horse");
    expect(last(plain)).toBe("failure:encryption-required");
    expect(plain.type).toBe("c2s_unauthed");
  });

  it("refuses any authentication before TLS when encryption is required", async () => {
    const server = await withAlice();
    const session = fakeSession(server, { secure: false });
    expect(await scramLogin(server, session, "alice", "correct horse")).toBe("failure:encryption-required");
  });

  it("answers a wrong password and an unknown user with the same not-authorized failure", async () => {
    const server = await withAlice();
    const wrong = fakeSession(server, { ip: "198.51.100.1" });
    const unknown = fakeSession(server, { ip: "198.51.100.2" });
    expect(await scramLogin(server, wrong, "alice", "wrong")).toBe("failure:not-authorized");
    expect(await scramLogin(server, unknown, "mallory", "wrong")).toBe("failure:not-authorized");
    expect(wrong.sent.at(-1)!.toString()).toBe(unknown.sent.at(-1)!.toString());
    // Both got a challenge of the same shape first: nothing tells an unknown name apart.
    const challenge = (s: typeof wrong) =>
      Buffer.from(s.sent[0]!.getText(), "base64")
        .toString()
        .replace(/r=[^,]*/, "");
    expect(challenge(unknown)).toMatch(/^,s=[A-Za-z0-9+/]{22}==,i=4096$/);
    expect(challenge(wrong)).toMatch(/^,s=[A-Za-z0-9+/]{22}==,i=4096$/);
    await plainLogin(server, fakeSession(server, { ip: "198.51.100.3" }), "mallory", "x");
    expect(wrong.type).toBe("c2s_unauthed");
  });

  it("answers an unknown mechanism with invalid-mechanism and bad base64 with incorrect-encoding", async () => {
    const server = await withAlice();
    const session = fakeSession(server);
    await server.server.process(session, sasl("auth", { mechanism: "DIGEST-MD5" }));
    expect(last(session)).toBe("failure:invalid-mechanism");
    await server.server.process(session, sasl("auth", { mechanism: "PLAIN" }, "not base64!"));
    expect(last(session)).toBe("failure:incorrect-encoding");
    await server.server.process(session, sasl("auth", {}));
    expect(last(session)).toBe("failure:invalid-mechanism");
  });

  it("answers a malformed client-first-message with malformed-request", async () => {
    const server = await withAlice();
    const session = fakeSession(server);
    await server.server.process(
      session,
      sasl("auth", { mechanism: "SCRAM-SHA-1" }, Buffer.from("garbage").toString("base64")),
    );
    expect(last(session)).toBe("failure:malformed-request");
  });

  it("handles an empty initial response ('=') and a missing one (empty challenge)", async () => {
    const server = await withAlice();
    const session = fakeSession(server);
    await server.server.process(session, sasl("auth", { mechanism: "PLAIN" }));
    expect(last(session)).toBe("challenge");
    // Zero-length data is sent as "=" (RFC 6120 §6.4.2), as Prosody does for challenges.
    expect(session.sent.at(-1)!.getText()).toBe("=");
    await server.server.process(
      session,
      sasl("response", {}, Buffer.from("\0alice\0correct horse").toString("base64")),
    );
    expect(last(session)).toBe("success");
    const other = fakeSession(server);
    await server.server.process(other, sasl("auth", { mechanism: "PLAIN" }, "="));
    expect(last(other)).toBe("failure:malformed-request");
  });

  it("aborts an exchange on <abort/>, and refuses a response out of order", async () => {
    const server = await withAlice();
    const session = fakeSession(server);
    await server.server.process(session, sasl("auth", { mechanism: "SCRAM-SHA-256" }));
    expect(last(session)).toBe("challenge");
    await server.server.process(session, sasl("abort"));
    expect(last(session)).toBe("failure:aborted");
    await server.server.process(session, sasl("response", {}, "="));
    expect(last(session)).toBe("failure:not-authorized");
    expect(session.sent.at(-1)!.getChildText("text")).toBe("Out of order SASL element");
  });

  it("refuses a second authentication on an authenticated session", async () => {
    const server = await withAlice();
    const session = fakeSession(server);
    await scramLogin(server, session, "alice", "correct horse");
    await plainLogin(server, session, "alice", "correct horse");
    expect(last(session)).toBe("failure:not-authorized");
  });

  it("fails with temporary-auth-failure when no auth provider is loaded", async () => {
    t = await authServer({}, ["saslauth"]);
    const session = fakeSession(t);
    expect(await mechanismsOf(t, session)).toBeUndefined();
    await plainLogin(t, session, "alice", "x");
    expect(last(session)).toBe("failure:temporary-auth-failure");
  });
});

describe("throttling", () => {
  it("throttles the account from that address after limit_auth_max failures, never the address's other accounts", async () => {
    const server = await withAlice({ limit_auth_max: 3, limit_auth_period: 60 });
    await createAccount(server.server, "localhost", "bob", "battery staple");
    const ip = "203.0.113.9";
    for (let i = 0; i < 3; i++) {
      const session = fakeSession(server, { ip });
      await plainLogin(server, session, "alice", "wrong");
      expect(last(session)).toBe("failure:not-authorized");
    }
    const blocked = fakeSession(server, { ip });
    await plainLogin(server, blocked, "alice", "correct horse");
    expect(last(blocked)).toBe("failure:temporary-auth-failure");
    const scram = fakeSession(server, { ip });
    await scramLogin(server, scram, "alice", "correct horse");
    expect(last(scram)).toBe("failure:temporary-auth-failure");
    // The same address, another account: not affected.
    const bob = fakeSession(server, { ip });
    await plainLogin(server, bob, "bob", "battery staple");
    expect(last(bob)).toBe("success");
    // The same account, another address: not affected below limit_auth_account_max.
    const elsewhere = fakeSession(server, { ip: "203.0.113.10" });
    await plainLogin(server, elsewhere, "alice", "correct horse");
    expect(last(elsewhere)).toBe("success");
    await server.clock.advance(61);
    const later = fakeSession(server, { ip });
    await plainLogin(server, later, "alice", "correct horse");
    expect(last(later)).toBe("success");
  });

  it("throttles an account from every address after limit_auth_account_max failures", async () => {
    const server = await withAlice({ limit_auth_max: 100, limit_auth_account_max: 4 });
    for (let i = 0; i < 4; i++)
      await plainLogin(server, fakeSession(server, { ip: `198.51.100.${i}` }), "alice", "x");
    const fresh = fakeSession(server, { ip: "198.51.100.200" });
    await plainLogin(server, fresh, "alice", "correct horse");
    expect(last(fresh)).toBe("failure:temporary-auth-failure");
  });

  it("still reads Canto's earlier auth_failure_limit / auth_failure_window, and 0 turns throttling off", async () => {
    const server = await withAlice({ auth_failure_limit: 0, limit_auth_account_max: 0 });
    for (let i = 0; i < 8; i++) await plainLogin(server, fakeSession(server), "alice", "wrong");
    const session = fakeSession(server);
    await plainLogin(server, session, "alice", "correct horse");
    expect(last(session)).toBe("success");
  });

  it("counts successes and failures", async () => {
    const records: MetricRecord[] = [];
    const server = await authServer({}, undefined, records);
    t = server;
    await createAccount(server.server, "localhost", "alice", "correct horse");
    await plainLogin(server, fakeSession(server), "alice", "correct horse");
    await plainLogin(server, fakeSession(server), "alice", "nope");
    await plainLogin(server, fakeSession(server), "alice", "nope");
    expect(recorded(records, "auth_success")).toBe(1);
    expect(recorded(records, "auth_failure")).toBe(2);
  });
});
