import { packAndInstall } from "@canto/test-utils";
import { expect, it } from "vitest";

it("installs from its packed tarball and runs", () => {
  const install = packAndInstall("@canto/authz");
  try {
    const out = install.run(`
      import { createAuthz, configFromObject, REGISTERED } from "@canto/authz";
      const authz = createAuthz({ config: configFromObject({ admins: ["op@example.com"] }) });
      const site = authz.host("example.com");
      site.defaultPermission(REGISTERED, "comment");
      console.log(JSON.stringify([
        site.may("comment", "alice@example.com"),
        site.may("comment", "eve@remote.net"),
        site.getUserRole("op")?.name,
      ]));
    `);
    expect(JSON.parse(out)).toEqual([true, false, "canto:operator"]);
    const files = install.run(`
      import { readdirSync } from "node:fs";
      console.log(JSON.stringify(readdirSync("node_modules/@canto/authz/dist")));
    `);
    expect(files).not.toMatch(/\.test\.|\.bench\./);
  } finally {
    install.dispose();
  }
}, 120_000);
