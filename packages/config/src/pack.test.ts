import { packAndInstall } from "@canto/test-utils";
import { expect, it } from "vitest";

it("installs from its packed tarball and loads Lua and TypeScript configs", () => {
  const install = packAndInstall("@canto/config");
  try {
    const output = install.run(`
import { writeFileSync } from "node:fs";
import { createConfig, loadConfig, check } from "@canto/config";

writeFileSync("prosody.cfg.lua", 'admins = { "a@example.org" }\\nVirtualHost "example.org"\\n  archive_expires_after = "1 day 12 hours"\\n');
const lua = await loadConfig("prosody.cfg.lua");
writeFileSync("canto.config.ts", 'import { defineConfig } from "@canto/config";\\nconst limit: number = 5;\\nexport default defineConfig({ limit, hosts: { "example.org": {} } });\\n');
const ts = await loadConfig("canto.config.ts");
const code = createConfig({ flag: "true" });
console.log(JSON.stringify({
  period: lua.options("example.org").getOptionPeriod("archive_expires_after"),
  admins: lua.options("example.org").getOptionArray("admins"),
  problems: check(lua).length,
  limit: ts.options("example.org").getOptionInteger("limit", 1, 0, 3),
  flag: code.options("*").getOptionBoolean("flag"),
}));
`);
    expect(JSON.parse(output.trim().split("\n").pop() ?? "")).toEqual({
      period: 129_600,
      admins: ["a@example.org"],
      problems: 0,
      limit: 3,
      flag: true,
    });
  } finally {
    install.dispose();
  }
}, 180_000);
