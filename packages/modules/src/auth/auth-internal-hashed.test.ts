import type { TestServer } from "canto";
import { afterEach, describe, expect, it } from "vitest";
import { authProvider } from "../shared/contracts.js";
import {
  accountExists,
  accountProvider,
  createAccount,
  deleteAccount,
  listAccounts,
  setPassword,
} from "./accounts.js";
import { authServer } from "./fake-session.test-helper.js";

let t: TestServer | undefined;
afterEach(async () => {
  await t?.stop();
  t = undefined;
});

async function server(options: Record<string, unknown> = {}) {
  t = await authServer(options, ["auth_internal_hashed"]);
  return t;
}

describe("auth_internal_hashed", () => {
  it("provides the auth provider internal_hashed, found by authProvider()", async () => {
    const s = await server();
    const module = s.server.host("localhost")!.modules.get("auth_internal_hashed")!;
    expect(authProvider(module)?.name).toBe("internal_hashed");
  });

  it("stores SCRAM-SHA-1 and SCRAM-SHA-256 credentials and never the password", async () => {
    const s = await server();
    await createAccount(s.server, "localhost", "Alice", "correct horse battery");
    const store = await s.server.storage.open("localhost", "accounts", "keyval");
    const stored = await store.get("alice");
    const json = JSON.stringify(stored);
    expect(json).not.toContain("correct horse battery");
    expect(json).not.toContain(Buffer.from("correct horse battery").toString("base64"));
    expect(json).not.toMatch(/password/i);
    expect(stored).toMatchObject({
      scram_sha_1: {
        salt: expect.any(String),
        iterations: 4096,
        storedKey: expect.any(String),
        serverKey: expect.any(String),
      },
      scram_sha_256: { iterations: 4096 },
    });
    const provider = accountProvider(s.server, "localhost");
    expect(await provider.getScramCredentials("ALICE", "sha-1")).toMatchObject({
      hash: "sha-1",
      iterations: 4096,
    });
    expect(await provider.getScramCredentials("bob", "sha-256")).toBeUndefined();
  });

  it("uses Prosody's 10000 iterations by default", async () => {
    t = await authServer({ scram_iteration_count: undefined }, ["auth_internal_hashed"]);
    await createAccount(t.server, "localhost", "alice", "pw");
    const credentials = await accountProvider(t.server, "localhost").getScramCredentials("alice", "sha-256");
    expect(credentials?.iterations).toBe(10000);
  });

  it("tests passwords from the stored salt, with nodeprep'd names and SASLprep'd passwords", async () => {
    const s = await server();
    const provider = accountProvider(s.server, "localhost");
    await provider.createUser("alice", "I\u00ADX");
    expect(await provider.testPassword("ALICE", "IX")).toBe(true);
    expect(await provider.testPassword("alice", "ix")).toBe(false);
    expect(await provider.testPassword("nobody", "IX")).toBe(false);
    expect(await provider.testPassword("bad@name", "IX")).toBe(false);
  });

  it("refuses duplicate, empty and unpreparable accounts with stable codes", async () => {
    const s = await server();
    await createAccount(s.server, "localhost", "alice", "pw");
    await expect(createAccount(s.server, "localhost", "ALICE", "pw2")).rejects.toMatchObject({
      code: "user-exists",
    });
    await expect(createAccount(s.server, "localhost", "a@b", "pw")).rejects.toMatchObject({
      code: "invalid-username",
      message: expect.stringContaining("'@'"),
    });
    await expect(createAccount(s.server, "localhost", "", "pw")).rejects.toMatchObject({
      code: "invalid-username",
    });
    await expect(createAccount(s.server, "localhost", "bob", "")).rejects.toMatchObject({
      code: "invalid-password",
    });
    await expect(createAccount(s.server, "localhost", "bob", "a\u0007b")).rejects.toMatchObject({
      code: "invalid-password",
    });
  });

  it("creates only one of two concurrent registrations of the same name", async () => {
    const s = await server();
    const results = await Promise.allSettled([
      createAccount(s.server, "localhost", "carol", "one"),
      createAccount(s.server, "localhost", "Carol", "two"),
    ]);
    expect(results.map((r) => r.status).sort()).toEqual(["fulfilled", "rejected"]);
  });
});

describe("accounts API", () => {
  it("creates, checks, lists, changes the password of and deletes accounts", async () => {
    const s = await server();
    expect(await createAccount(s.server, "localhost", "Bob", "first")).toBe("bob");
    await createAccount(s.server, "localhost", "alice", "x");
    expect(await accountExists(s.server, "localhost", "BOB")).toBe(true);
    const names: string[] = [];
    for await (const name of listAccounts(s.server, "localhost")) names.push(name);
    expect(names.sort()).toEqual(["alice", "bob"]);

    const changed: unknown[] = [];
    s.server.host("localhost")!.events.hook("user-password-changed", (e) => void changed.push(e));
    await setPassword(s.server, "localhost", "bob", "second");
    const provider = accountProvider(s.server, "localhost");
    expect(await provider.testPassword("bob", "first")).toBe(false);
    expect(await provider.testPassword("bob", "second")).toBe(true);
    expect(changed).toEqual([{ username: "bob", host: "localhost" }]);

    const deleted: unknown[] = [];
    s.server.host("localhost")!.events.hook("user-deleted", (e) => void deleted.push(e));
    const session = s.connect("bob@localhost/phone");
    await deleteAccount(s.server, "localhost", "bob");
    expect(await accountExists(s.server, "localhost", "bob")).toBe(false);
    expect(deleted).toEqual([{ username: "bob", host: "localhost", source: undefined }]);
    expect(s.server.sessions.full(session.fullJid ?? "bob@localhost/phone")).toBeUndefined();
    await expect(deleteAccount(s.server, "localhost", "bob")).rejects.toMatchObject({
      code: "user-not-found",
    });
    await expect(setPassword(s.server, "localhost", "bob", "x")).rejects.toMatchObject({
      code: "user-not-found",
    });
  });

  it("drops the stored role of a deleted account, so a new account of that name starts as a plain user", async () => {
    const s = await server();
    await createAccount(s.server, "localhost", "dave", "pw");
    const authz = s.server.authz.host("localhost");
    await authz.setUserRole("dave", "prosody:admin");
    expect((await authz.loadUserRole("dave"))?.name).toMatch(/:admin$/);
    await deleteAccount(s.server, "localhost", "dave");
    await createAccount(s.server, "localhost", "dave", "pw");
    expect((await authz.loadUserRole("dave"))?.name).toMatch(/:registered$/);
  });

  it("names the problem when the host or the provider is missing", async () => {
    const s = await server();
    expect(() => accountProvider(s.server, "nowhere.example")).toThrow(
      expect.objectContaining({ code: "host-not-found" }),
    );
    await s.stop();
    t = await authServer({}, ["saslauth"]);
    expect(() => accountProvider(t!.server, "localhost")).toThrow(
      expect.objectContaining({
        code: "no-auth-provider",
        message: expect.stringContaining("auth_internal_hashed"),
      }),
    );
  });
});
