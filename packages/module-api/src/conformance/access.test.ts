import { afterEach, describe, expect, it } from "vitest";
import type { TestServer } from "../testing.js";
import { createTestServer } from "../testing.js";
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

describe("module:default_permission() from a global module", () => {
  it("reaches every host, including a host activated later", async () => {
    const t = await withModule(
      (m) => {
        m.setGlobal();
        expect(m.defaultPermission("prosody:registered", ":announce")).toBe(true);
        m.defaultPermissions("prosody:admin", [":purge"]);
      },
      { config, name: "announce", modules: { probe: () => {} } },
    );
    current = t;
    await t.server.activateHost("later.example");
    for (const host of ["localhost", "later.example"]) {
      const registered = t.server.authz.host(host).getRole("canto:registered")!;
      expect(registered.may("announce:announce"), host).toBe(true);
      expect(t.server.authz.host(host).getRole("canto:admin")!.may("announce:purge"), host).toBe(true);
    }
    const later = await t.server.manager.load("later.example", "probe");
    expect(later.may("announce:announce", "someone@later.example")).toBe(true);
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

  it("answers synchronously for an account, from admins and the stored roles read at host activation", async () => {
    const t = await createTestServer({
      config,
      modules: {
        disco: (m) => {
          m.defaultPermission("canto:admin", ":be-discovered-admin");
          m.defaultPermission("canto:registered", ":browse");
        },
      },
      start: false,
    });
    current = t;
    // A role assigned in storage before the server starts, as `prosodyctl` would have left it.
    await (await t.server.storage.open("localhost", "account_roles")).set("bob", "prosody:admin");
    await t.server.start();
    const disco = await t.server.manager.load("localhost", "disco");
    expect(disco.may(":be-discovered-admin", "bob@localhost")).toBe(true);
    expect(disco.may(":be-discovered-admin", "boss@localhost")).toBe(true);
    expect(disco.may(":be-discovered-admin", "carol@localhost")).toBe(false);
    expect(disco.could(":browse", "carol@localhost")).toBe(true);
    await t.server.authz.host("localhost").setUserRole("carol", "prosody:admin");
    expect(disco.may(":be-discovered-admin", "carol@localhost")).toBe(true);
  });

  it("refuses a context that names no actor with an error, never a grant", async () => {
    const t = await withModule(() => {}, { config });
    current = t;
    expect(() => t.module.may(":x", {} as never)).toThrow(expect.objectContaining({ code: "no-actor" }));
  });
});
