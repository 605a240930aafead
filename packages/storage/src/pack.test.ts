import { packAndInstall } from "@canto/test-utils";
import { expect, it } from "vitest";
import { buildPackage } from "./build.test-helper.js";

function installWithoutNativeBuild() {
  buildPackage();
  return packAndInstall("@canto/storage", { reuseNative: ["better-sqlite3"] });
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
