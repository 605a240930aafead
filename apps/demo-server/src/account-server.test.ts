import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { accountExists, createAccount, deleteAccount } from "@canto/modules";
import { createConfig } from "canto";
import { afterEach, describe, expect, it } from "vitest";
import { startAccountServer } from "./account-server.js";

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

describe("startAccountServer", () => {
  it("loads the config's offline modules on every host, and never c2s, tls or plugins", async () => {
    const dir = mkdtempSync(join(tmpdir(), "canto-accounts-"));
    dirs.push(dir);
    const config = createConfig({
      data_path: dir,
      c2s_ports: [5222],
      // Prosody's spelling: no auth module listed (authentication loads it), blocklist for blocking.
      modules_enabled: ["tls", "saslauth", "roster", "blocklist", "some_plugin"],
      hosts: {
        localhost: {},
        "other.example": { modules_enabled: ["auth_internal_hashed", "c2s", "vcard", "another_plugin"] },
      },
    });
    const server = await startAccountServer(config);
    try {
      expect(server.manager.get("*", "c2s")).toBeUndefined();
      expect(server.manager.list("localhost").sort()).toEqual(
        [
          "auth_internal_hashed",
          "bind",
          "blocking",
          "message",
          "offline",
          "presence",
          "roster",
          "saslauth",
        ].sort(),
      );
      expect(server.manager.list("other.example")).toContain("vcard");
      expect(server.manager.list("other.example")).not.toContain("c2s");
      expect(server.manager.list("other.example")).not.toContain("another_plugin");

      await createAccount(server, "other.example", "Zoe", "pw");
      expect(await accountExists(server, "other.example", "zoe")).toBe(true);
      await deleteAccount(server, "other.example", "zoe");
      expect(await accountExists(server, "other.example", "zoe")).toBe(false);
    } finally {
      await server.stop();
    }
  });
});
