import { describe, expect, it } from "vitest";
import { createHostInfoCache } from "./cache.js";
import { capsVer } from "./caps.js";
import { NS_CAPS, NS_DISCO_INFO } from "./namespaces.js";
import { createDiscoRegistry } from "./registry.js";

function setup() {
  const registry = createDiscoRegistry();
  registry.addIdentity("server", "im", "Example");
  registry.addFeature(NS_DISCO_INFO);
  return { registry, cache: createHostInfoCache(registry) };
}

describe("HostInfoCache", () => {
  it("builds once and answers from the cache until something changes", () => {
    const { cache } = setup();
    expect(cache.builds).toBe(0);
    const q = cache.infoQuery();
    const ver = cache.capsVer();
    cache.capsElement();
    expect(cache.infoQuery()).toBe(q);
    expect(cache.capsVer()).toBe(ver);
    expect(cache.builds).toBe(1);
  });

  it("rebuilds after an add, a remove, and for every kind of item", () => {
    const { registry, cache } = setup();
    const v0 = cache.capsVer();
    registry.addFeature("urn:xmpp:ping");
    const v1 = cache.capsVer();
    expect(v1).not.toBe(v0);
    expect(cache.builds).toBe(2);
    expect(cache.infoQuery().getChildren("feature")).toHaveLength(2);

    registry.removeFeature("urn:xmpp:ping");
    expect(cache.capsVer()).toBe(v0);
    expect(cache.builds).toBe(3);

    registry.addIdentity("pubsub", "pep");
    cache.infoQuery();
    const ext = { formType: "urn:x" };
    registry.addExtension(ext);
    cache.infoQuery();
    registry.removeExtension(ext);
    cache.infoQuery();
    registry.removeIdentity("pubsub", "pep");
    cache.infoQuery();
    expect(cache.builds).toBe(7);
  });

  it("does not rebuild when a remove found nothing", () => {
    const { registry, cache } = setup();
    cache.infoQuery();
    registry.removeFeature("urn:absent");
    registry.removeIdentity("no", "such");
    registry.removeExtension({ formType: "urn:other" });
    cache.infoQuery();
    expect(cache.builds).toBe(1);
  });

  it("rebuilds lazily: many changes, one build", () => {
    const { registry, cache } = setup();
    cache.infoQuery();
    for (let i = 0; i < 10; i++) registry.addFeature(`urn:f:${i}`);
    cache.capsVer();
    cache.infoQuery();
    expect(cache.builds).toBe(2);
  });

  it("hashes the de-duplicated contents", () => {
    const { registry, cache } = setup();
    registry.addFeature(NS_DISCO_INFO);
    registry.addIdentity("server", "im", "Shadowed");
    expect(cache.capsVer()).toBe(
      capsVer([{ category: "server", type: "im", name: "Example" }], [NS_DISCO_INFO]),
    );
    expect(cache.capsVer()).toBe(registry.capsVer());
  });

  it("caches one ver per hash", () => {
    const { cache } = setup();
    expect(cache.capsVer("sha-256")).not.toBe(cache.capsVer("sha-1"));
    expect(cache.builds).toBe(1);
  });

  it("hands out fresh copies of the <c/> element, rebuilt with the ver", () => {
    const { registry, cache } = setup();
    const a = cache.capsElement();
    expect(a.attrs).toEqual({
      xmlns: NS_CAPS,
      hash: "sha-1",
      node: "http://prosody.im",
      ver: cache.capsVer(),
    });
    expect(cache.capsElement()).not.toBe(a);
    registry.addFeature("urn:new");
    expect(cache.capsElement().attrs.ver).toBe(registry.capsVer());
    expect(
      createHostInfoCache(registry, { capsNode: "https://canto.example" }).capsElement().attrs.node,
    ).toBe("https://canto.example");
  });

  it("can be invalidated by hand", () => {
    const { cache } = setup();
    cache.infoQuery();
    cache.invalidate();
    cache.infoQuery();
    expect(cache.builds).toBe(2);
  });
});
