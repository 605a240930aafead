import { packAndInstall } from "@canto/test-utils";
import { expect, it } from "vitest";

it("installs from its packed tarball and formats", () => {
  const install = packAndInstall("@canto/printf");
  try {
    const output = install.run(`
      import { format, formatArgs } from "@canto/printf";
      console.log(JSON.stringify({
        missing: format("%s and %s", "one"),
        extra: formatArgs("%d", [1, "two"]),
        quoted: format("%q", { a: [1, "x"] }),
        forged: format("%s", "line\\nINFO forged"),
      }));
    `);
    expect(JSON.parse(output.trim())).toEqual({
      missing: "one and (nil)",
      extra: "1 [two]",
      quoted: '{ a = { 1; "x" } }',
      forged: "line\n\tINFO forged",
    });
  } finally {
    install.dispose();
  }
}, 120_000);
