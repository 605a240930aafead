import { packAndInstall } from "@canto/test-utils";
import { expect, it } from "vitest";

it("installs from its packed tarball and runs", () => {
  const install = packAndInstall("@canto/events");
  try {
    expect(
      install.run(`import * as m from "@canto/events"; console.log(JSON.stringify(Object.keys(m)));`),
    ).toContain("placeholder");
  } finally {
    install.dispose();
  }
}, 120_000);
