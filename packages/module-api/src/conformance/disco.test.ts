import { Element } from "@canto/stanza";
import { afterEach, describe, expect, it } from "vitest";
import type { TestServer } from "../testing.js";
import { withModule } from "./helpers.test-helper.js";

let current: TestServer | undefined;
afterEach(async () => {
  await current?.stop();
  current = undefined;
});

describe("module:add_feature() → addFeature", () => {
  it("publishes a feature item, withdrawn on unload", async () => {
    const t = await withModule((m) => m.addFeature("urn:xmpp:ping"));
    current = t;
    expect(t.module.getHostItems("feature")).toEqual(["urn:xmpp:ping"]);
    await t.server.manager.unload("localhost", "test");
    expect(t.module.getHostItems("feature")).toEqual([]);
  });
});

describe("module:add_identity() → addIdentity", () => {
  it("publishes category, type and name", async () => {
    const t = await withModule((m) => m.addIdentity("pubsub", "service", "Publish-Subscribe"));
    current = t;
    expect(t.module.getHostItems("identity")).toEqual([
      { category: "pubsub", type: "service", name: "Publish-Subscribe" },
    ]);
  });
});

describe("module:add_extension() → addExtension", () => {
  it("publishes a XEP-0128 form", async () => {
    const form = new Element("x", { xmlns: "jabber:x:data", type: "result" });
    const t = await withModule((m) => m.addExtension(form));
    current = t;
    expect(t.module.getHostItems("extension")).toEqual([form]);
  });
});
