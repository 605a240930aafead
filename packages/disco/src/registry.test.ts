import { Element } from "ltx";
import { describe, expect, it, vi } from "vitest";
import { buildForm } from "./forms.js";
import { NS_DISCO_INFO, NS_DISCO_ITEMS } from "./namespaces.js";
import { addDiscoDefaults, createDiscoRegistry, type DiscoChange } from "./registry.js";

describe("features", () => {
  it("are de-duplicated on the string, in first-added order", () => {
    const r = createDiscoRegistry();
    r.addFeature("urn:b");
    r.addFeature("urn:a");
    r.addFeature("urn:b");
    expect(r.features()).toEqual(["urn:b", "urn:a"]);
  });

  it("survive one removal when added twice (two modules advertise one feature)", () => {
    const r = createDiscoRegistry();
    r.addFeature("urn:x");
    r.addFeature("urn:x");
    expect(r.removeFeature("urn:x")).toBe(true);
    expect(r.features()).toEqual(["urn:x"]);
    expect(r.removeFeature("urn:x")).toBe(true);
    expect(r.features()).toEqual([]);
    expect(r.removeFeature("urn:x")).toBe(false);
  });

  it("must be non-empty strings (bad-feature)", () => {
    const r = createDiscoRegistry();
    expect(() => r.addFeature("")).toThrow(
      expect.objectContaining({ code: "bad-feature", name: "DiscoError" }),
    );
    // biome-ignore lint/suspicious/noExplicitAny: testing a bad value
    expect(() => r.addFeature(42 as any)).toThrow(expect.objectContaining({ code: "bad-feature" }));
    expect(r.version).toBe(0);
  });
});

describe("identities", () => {
  it("are de-duplicated on category and type, the first added wins", () => {
    const r = createDiscoRegistry();
    r.addIdentity("server", "im", "First");
    r.addIdentity("server", "im", "Second");
    r.addIdentity({ category: "pubsub", type: "pep" });
    expect(r.identities()).toEqual([
      { category: "server", type: "im", name: "First" },
      { category: "pubsub", type: "pep" },
    ]);
  });

  it("keep one per xml:lang", () => {
    const r = createDiscoRegistry();
    r.addIdentity("client", "pc", "Psi 0.11", "en");
    r.addIdentity("client", "pc", "Ψ 0.11", "el");
    r.addIdentity("client", "pc", "Psi again", "en");
    expect(r.identities().map((i) => i.name)).toEqual(["Psi 0.11", "Ψ 0.11"]);
  });

  it("are removed by value, the last equal entry first", () => {
    const r = createDiscoRegistry();
    r.addIdentity("server", "im", "A");
    r.addIdentity("server", "im", "B");
    expect(r.removeIdentity("server", "im", "B")).toBe(true);
    expect(r.identities()).toEqual([{ category: "server", type: "im", name: "A" }]);
    expect(r.removeIdentity("server", "im")).toBe(false); // the name is part of the value
    expect(r.removeIdentity({ category: "server", type: "im", name: "A" })).toBe(true);
    expect(r.identities()).toEqual([]);
  });

  it("need a category and a type (bad-identity)", () => {
    const r = createDiscoRegistry();
    const bad = expect.objectContaining({ code: "bad-identity" });
    expect(() => r.addIdentity("", "im")).toThrow(bad);
    // biome-ignore lint/suspicious/noExplicitAny: testing bad values
    expect(() => r.addIdentity("server", undefined as any)).toThrow(bad);
    // biome-ignore lint/suspicious/noExplicitAny: testing bad values
    expect(() => r.addIdentity({ category: "server", type: "im", name: 3 as any })).toThrow(bad);
    // biome-ignore lint/suspicious/noExplicitAny: testing bad values
    expect(() => r.addIdentity(null as any, "x")).toThrow(bad);
  });
});

describe("extensions", () => {
  const form = () => buildForm({ formType: "urn:x", fields: [{ var: "a", value: "1" }] });

  it("are de-duplicated by object and by FORM_TYPE, the first added wins", () => {
    const r = createDiscoRegistry();
    const a = form();
    const b = form();
    const other = buildForm({ formType: "urn:y" });
    r.addExtension(a);
    r.addExtension(a);
    r.addExtension(b);
    r.addExtension(other);
    expect(r.extensions()).toEqual([a, other]);
    expect(r.extensions()[0]).toBe(a);
  });

  it("are removed by the object that was added", () => {
    const r = createDiscoRegistry();
    const a = form();
    const description = { formType: "urn:z", fields: [{ var: "b", value: "2" }] };
    r.addExtension(a);
    r.addExtension(description);
    expect(r.extensions()).toHaveLength(2);
    expect(r.removeExtension(form())).toBe(false); // equal, but not the same object
    expect(r.removeExtension(description)).toBe(true);
    expect(r.removeExtension(a)).toBe(true);
    expect(r.extensions()).toEqual([]);
  });

  it("must be data forms (bad-extension)", () => {
    const r = createDiscoRegistry();
    expect(() => r.addExtension(new Element("query", { xmlns: "jabber:iq:version" }))).toThrow(
      expect.objectContaining({ code: "bad-extension" }),
    );
    // biome-ignore lint/suspicious/noExplicitAny: testing bad values
    expect(() => r.addExtension("x" as any)).toThrow(expect.objectContaining({ code: "bad-extension" }));
    // biome-ignore lint/suspicious/noExplicitAny: testing bad values
    expect(() => r.addExtension({ type: "odd" as any })).toThrow(
      expect.objectContaining({ code: "bad-form" }),
    );
  });
});

describe("version and listeners", () => {
  it("count every add and every remove that removed something", () => {
    const r = createDiscoRegistry();
    r.addFeature("urn:a");
    r.addIdentity("server", "im");
    r.addExtension({ formType: "urn:f" });
    expect(r.version).toBe(3);
    r.removeFeature("urn:missing");
    expect(r.version).toBe(3);
    r.removeFeature("urn:a");
    expect(r.version).toBe(4);
  });

  it("tell listeners what changed until they stop", () => {
    const r = createDiscoRegistry();
    const seen: DiscoChange[] = [];
    const stop = r.onChange((c) => seen.push(c));
    r.addFeature("urn:a");
    r.removeFeature("urn:a");
    r.addIdentity("server", "im");
    stop();
    r.addFeature("urn:b");
    expect(seen).toEqual([
      { op: "added", kind: "feature", item: "urn:a" },
      { op: "removed", kind: "feature", item: "urn:a" },
      { op: "added", kind: "identity", item: { category: "server", type: "im" } },
    ]);
  });

  it("call every listener even when one throws, then rethrow", () => {
    const r = createDiscoRegistry();
    const later = vi.fn();
    r.onChange(() => {
      throw new Error("boom");
    });
    r.onChange(later);
    expect(() => r.addFeature("urn:a")).toThrow("boom");
    expect(later).toHaveBeenCalledOnce();
    expect(r.features()).toEqual(["urn:a"]);
  });
});

describe("addDiscoDefaults", () => {
  it("adds server/im and the two disco features on a local host, and removes them", () => {
    const r = createDiscoRegistry();
    r.addFeature(NS_DISCO_INFO); // another module's entry stays
    const undo = addDiscoDefaults(r, { hostType: "local", name: "Canto" });
    expect(r.identities()).toEqual([{ category: "server", type: "im", name: "Canto" }]);
    expect(r.features()).toEqual([NS_DISCO_INFO, NS_DISCO_ITEMS]);
    undo();
    expect(r.identities()).toEqual([]);
    expect(r.features()).toEqual([NS_DISCO_INFO]);
  });

  it("adds no identity on a component, and names server/im Prosody by default", () => {
    const c = createDiscoRegistry();
    addDiscoDefaults(c, { hostType: "component" });
    expect(c.identities()).toEqual([]);
    const l = createDiscoRegistry();
    addDiscoDefaults(l, { hostType: "local" });
    expect(l.identities()[0]?.name).toBe("Prosody");
  });
});
