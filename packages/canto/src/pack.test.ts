import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { packAndInstall } from "@canto/test-utils";
import { expect, it } from "vitest";

it("installs from its packed tarball and starts a server on SQLite", () => {
  const install = packAndInstall("canto", { reuseNative: ["better-sqlite3"] });
  const data = mkdtempSync(join(tmpdir(), "canto-pack-data-"));
  try {
    const out = install.run(`
import { createServer, defineConfig } from "canto";
const server = await createServer({
  config: defineConfig({ data_path: ${JSON.stringify(data)}, log_level: "silent", modules_enabled: ["hello"], hosts: { localhost: {} } }),
  modules: { hello: async (m) => { const s = await m.openStore(); await s.set("k", { ok: true }); } },
});
await server.start();
const value = await (await server.storage.open("localhost", "hello")).get("k");
console.log(JSON.stringify({ value, driver: server.storage.driverName("localhost", "hello") }));
await server.stop();
`);
    expect(JSON.parse(out)).toEqual({ value: { ok: true }, driver: "sqlite" });
  } finally {
    install.dispose();
  }
}, 300_000);
