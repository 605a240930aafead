import { packAndInstall } from "@canto/test-utils";
import { expect, it } from "vitest";

it("installs from its packed tarball and routes a message between two sessions", () => {
  const install = packAndInstall("@canto/module-api", { reuseNative: ["better-sqlite3"] });
  try {
    const out = install.run(`
import { createTestServer } from "@canto/module-api";
import { message } from "@canto/stanza";
const t = await createTestServer({ modules: { echo: (m) => { m.hook("message/bare", (e) => { e.origin.send(e.stanza); return true; }, 1); } } });
await t.server.manager.load("localhost", "echo");
const alice = t.connect("alice@localhost/a");
await alice.process(message({ to: "bot@localhost" }, "hello"));
console.log(JSON.stringify({ got: alice.received[0]?.getChildText("body"), from: alice.received[0]?.attrs.from }));
await t.stop();
`);
    expect(JSON.parse(out)).toEqual({ got: "hello", from: "alice@localhost/a" });
  } finally {
    install.dispose();
  }
}, 300_000);
