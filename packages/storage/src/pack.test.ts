import { copyFileSync, mkdirSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { packAndInstall } from "@canto/test-utils";
import { expect, it } from "vitest";
import { buildPackage } from "./build.test.helpers.js";

/**
 * better-sqlite3 compiles from source on install here (minutes on this machine). Install with
 * scripts off and reuse the workspace's compiled addon of the same pinned version instead.
 */
function installWithoutNativeBuild() {
  buildPackage();
  const saved = process.env.npm_config_ignore_scripts;
  process.env.npm_config_ignore_scripts = "true";
  try {
    const install = packAndInstall("@canto/storage");
    const workspaceAddon = join(
      dirname(createRequire(import.meta.url).resolve("better-sqlite3/package.json")),
      "build/Release/better_sqlite3.node",
    );
    const target = join(install.dir, "node_modules/better-sqlite3/build/Release");
    mkdirSync(target, { recursive: true });
    copyFileSync(workspaceAddon, join(target, "better_sqlite3.node"));
    return install;
  } finally {
    if (saved === undefined) delete process.env.npm_config_ignore_scripts;
    else process.env.npm_config_ignore_scripts = saved;
  }
}

it("installs from its packed tarball and runs (memory and sqlite drivers)", () => {
  const install = installWithoutNativeBuild();
  try {
    const out = install.run(`
import { StorageManager, createMemoryDriver, createSqliteDriver, REMOVE } from "@canto/storage";
import { parse } from "ltx";
const m = new StorageManager({
  drivers: { memory: createMemoryDriver(), sqlite: createSqliteDriver({ path: ":memory:" }) },
  storage: { archive: "sqlite" },
  defaultStorage: "memory",
});
const roster = await m.open("example.com", "roster", "map");
await roster.setKeys("alice", { "bob@example.com": { name: "Bob" }, gone: REMOVE });
const archive = await m.open("example.com", "archive", "archive");
await archive.append("alice", "k1", parse("<message><body>hi</body></message>"), 1, "bob@example.com");
const page = await archive.find("alice", { total: true });
console.log(JSON.stringify({ roster: await roster.get("alice", "bob@example.com"), xml: String(page.items[0].value), total: page.total }));
await m.close();
const conformance = await import("@canto/storage/conformance");
if (typeof conformance.runConformanceSuite !== "function") throw new Error("no conformance export");
`);
    expect(JSON.parse(out)).toEqual({
      roster: { name: "Bob" },
      xml: "<message><body>hi</body></message>",
      total: 1,
    });
  } finally {
    install.dispose();
  }
}, 120_000);
