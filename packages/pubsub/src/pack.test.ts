import { packAndInstall } from "@canto/test-utils";
import { expect, it } from "vitest";

it("installs from its packed tarball and serves a publish and an items request", () => {
  const install = packAndInstall("@canto/pubsub", { reuseNative: ["better-sqlite3"] });
  try {
    const out = install.run(`
      import { createMemoryDriver } from "@canto/storage";
      import { handlePubsubIq, PubsubService } from "@canto/pubsub";
      import { parse } from "ltx";
      const driver = createMemoryDriver();
      const service = new PubsubService({
        jid: "pubsub.example",
        nodes: await driver.keyval("pubsub.example", "nodes"),
        items: await driver.archive("pubsub.example", "items", {}),
        autocreateOnPublish: true,
      });
      const publish = parse('<iq type="set" id="1" to="pubsub.example"><pubsub xmlns="http://jabber.org/protocol/pubsub"><publish node="n"><item id="a"><x xmlns="urn:x">hi</x></item></publish></pubsub></iq>');
      console.log(String(await handlePubsubIq(service, publish, "a@example/r")));
      const items = parse('<iq type="get" id="2" to="pubsub.example"><pubsub xmlns="http://jabber.org/protocol/pubsub"><items node="n"/></pubsub></iq>');
      console.log(String(await handlePubsubIq(service, items, "b@example/r")));
    `);
    expect(out).toContain('<publish node="n"><item id="a"/></publish>');
    expect(out).toContain('<item id="a"><x xmlns="urn:x">hi</x></item>');
  } finally {
    install.dispose();
  }
}, 300_000);
