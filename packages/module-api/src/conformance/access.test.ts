import { afterEach, describe, expect, it } from "vitest";
import type { TestServer } from "../testing.js";
import { withModule } from "./helpers.test-helper.js";

let current: TestServer | undefined;
afterEach(async () => {
  await current?.stop();
  current = undefined;
});

const config = { admins: ["boss@localhost"], hosts: { localhost: {} } };

describe("module:default_permission() → defaultPermission", () => {
  it("grants an action to a role, with :action expanded to <module>:action", async () => {
    const t = await withModule(
      (m) => {
        m.defaultPermission("canto:admin", ":purge");
      },
      { config, name: "archive" },
    );
    current = t;
    const role = t.server.authz.host("localhost").getRole("canto:admin")!;
    expect(role.may("archive:purge")).toBe(true);
    expect(t.module.may(":purge", "boss@localhost")).toBe(true);
    expect(await t.module.mayAsync("archive:purge", "someone@localhost")).toBe(false);
  });

  it("never overrides a policy set in configuration", async () => {
    const t = await withModule(
      (m) => {
        m.defaultPermission("canto:registered", ":post");
      },
      { config: { ...config, remove_permissions: { "canto:registered": ["test:post"] } } as never },
    );
    current = t;
    expect(await t.module.mayAsync(":post", "user@localhost")).toBe(false);
  });
});

describe("module:default_permissions() → defaultPermissions", () => {
  it("grants each action of the list", async () => {
    const t = await withModule(
      (m) => {
        m.defaultPermissions("canto:registered", [":a", ":b"]);
      },
      { config },
    );
    current = t;
    expect(await t.module.mayAsync(":a", "user@localhost")).toBe(true);
    expect(await t.module.mayAsync(":b", "user@localhost")).toBe(true);
    expect(await t.module.mayAsync(":c", "user@localhost")).toBe(false);
  });
});

describe("module:may() → may, module:could() → could", () => {
  it("checks a session context and a routing event; remote users have no role", async () => {
    const t = await withModule(
      (m) => {
        m.defaultPermission("canto:registered", ":chat");
      },
      { config },
    );
    current = t;
    const session = t.connect("alice@localhost/phone", { role: "canto:registered" });
    expect(t.module.may(":chat", { session })).toBe(true);
    expect(t.module.could(":chat", { origin: session, stanza: { attrs: {} } as never })).toBe(true);
    expect(t.module.may(":chat", "stranger@remote.example")).toBe(false);
    expect(t.module.could(":admin-only", { session })).toBe(false);
  });

  it("throws role-not-loaded rather than guess when an account's role must be read from storage", async () => {
    const t = await withModule(() => {}, { config });
    current = t;
    expect(() => t.module.may(":x", "carol@localhost")).toThrow(
      expect.objectContaining({ code: "role-not-loaded" }),
    );
    expect(await t.module.couldAsync(":x", "carol@localhost")).toBe(false);
  });

  it("refuses a context that names no actor with an error, never a grant", async () => {
    const t = await withModule(() => {}, { config });
    current = t;
    expect(() => t.module.may(":x", {} as never)).toThrow(expect.objectContaining({ code: "no-actor" }));
  });
});
