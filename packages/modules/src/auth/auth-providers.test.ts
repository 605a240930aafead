// The providers Prosody's `authentication` names besides internal_hashed: internal_plain, anonymous.
import type { TestServer } from "canto";
import { afterEach, describe, expect, it } from "vitest";
import { accountExists, accountProvider, createAccount, listAccounts, setPassword } from "./accounts.js";
import {
  authServer,
  fakeSession,
  last,
  mechanismsOf,
  plainLogin,
  sasl,
  scramLogin,
} from "./fake-session.test-helper.js";

let t: TestServer | undefined;
afterEach(async () => {
  await t?.stop();
  t = undefined;
});

describe("auth_internal_plain", () => {
  it("keeps the password as Prosody's internal_plain does, and logs in with SCRAM and PLAIN", async () => {
    t = await authServer({ authentication: "internal_plain" }, ["auth_internal_plain", "saslauth", "bind"]);
    await createAccount(t.server, "localhost", "Alice", "correct horse");
    const store = await t.server.storage.open("localhost", "accounts", "keyval");
    expect(await store.get("alice")).toMatchObject({ password: "correct horse" });
    expect(accountProvider(t.server, "localhost").name).toBe("internal_plain");
    for (const hash of ["sha-1", "sha-256"] as const) {
      expect(await scramLogin(t, fakeSession(t), "alice", "correct horse", hash)).toBe("success");
    }
    expect(await scramLogin(t, fakeSession(t), "alice", "wrong")).toBe("failure:not-authorized");
    const plain = fakeSession(t);
    await plainLogin(t, plain, "alice", "correct horse");
    expect(last(plain)).toBe("success");
    await setPassword(t.server, "localhost", "alice", "battery staple");
    expect(await scramLogin(t, fakeSession(t), "alice", "correct horse")).toBe("failure:not-authorized");
    expect(await scramLogin(t, fakeSession(t), "alice", "battery staple")).toBe("success");
    await expect(createAccount(t.server, "localhost", "alice", "x")).rejects.toMatchObject({
      code: "user-exists",
    });
  });
});

describe("auth_anonymous", () => {
  it("offers only SASL ANONYMOUS and logs each client in under a fresh random name", async () => {
    t = await authServer({ authentication: "anonymous" }, ["auth_anonymous", "saslauth", "bind"]);
    const first = fakeSession(t);
    expect(await mechanismsOf(t, first)).toEqual(["ANONYMOUS"]);
    await t.server.process(first, sasl("auth", { mechanism: "PLAIN" }, "AGEAYg=="));
    expect(last(first)).toBe("failure:invalid-mechanism");
    await t.server.process(first, sasl("auth", { mechanism: "ANONYMOUS" }));
    expect(last(first)).toBe("success");
    expect(first.username).toMatch(/^[0-9a-f-]{36}$/);
    const second = fakeSession(t);
    await t.server.process(second, sasl("auth", { mechanism: "ANONYMOUS" }, "dHJhY2U="));
    expect(last(second)).toBe("success");
    expect(second.username).not.toBe(first.username);
  });

  it("has no accounts to create, and a user exists while it is connected", async () => {
    t = await authServer({ authentication: "anonymous" }, ["auth_anonymous", "saslauth", "bind"]);
    await expect(createAccount(t.server, "localhost", "alice", "pw")).rejects.toMatchObject({
      code: "not-supported",
    });
    const session = fakeSession(t);
    await t.server.process(session, sasl("auth", { mechanism: "ANONYMOUS" }));
    const name = session.username!;
    t.server.sessionManager.bind(session, "r");
    expect(await accountExists(t.server, "localhost", name)).toBe(true);
    const names: string[] = [];
    for await (const user of listAccounts(t.server, "localhost")) names.push(user);
    expect(names).toEqual([name]);
    session.close();
    expect(await accountExists(t.server, "localhost", name)).toBe(false);
  });
});
