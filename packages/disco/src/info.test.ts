import { Element, parse } from "ltx";
import { describe, expect, it } from "vitest";
import { createHostInfoCache } from "./cache.js";
import { buildInfoQuery, hostInfo } from "./info.js";
import { NS_DISCO_INFO } from "./namespaces.js";
import { createDiscoRegistry } from "./registry.js";

function query(node?: string): Element {
  const n = node === undefined ? "" : ` node="${node}"`;
  return parse(
    `<iq type="get" id="q1" from="juliet@example.com/balcony" to="example.com"><query xmlns="${NS_DISCO_INFO}"${n}/></iq>`,
  );
}

function host() {
  const registry = createDiscoRegistry();
  registry.addIdentity("server", "im", "Example");
  registry.addFeature(NS_DISCO_INFO);
  registry.addFeature("urn:xmpp:ping");
  registry.addExtension({
    formType: "http://jabber.org/network/serverinfo",
    fields: [{ var: "abuse-addresses", value: ["mailto:abuse@example.com"] }],
  });
  return { registry, cache: createHostInfoCache(registry) };
}

describe("buildInfoQuery", () => {
  it("writes identities (with xml:lang), then features, then extensions", () => {
    const q = buildInfoQuery({
      identities: [{ category: "client", type: "pc", name: "Psi", lang: "en" }],
      features: ["urn:a"],
      extensions: [new Element("x", { xmlns: "jabber:x:data", type: "result" })],
    });
    expect(q.toString()).toBe(
      `<query xmlns="${NS_DISCO_INFO}"><identity category="client" type="pc" name="Psi" xml:lang="en"/>` +
        `<feature var="urn:a"/><x xmlns="jabber:x:data" type="result"/></query>`,
    );
  });
});

describe("hostInfo", () => {
  it("answers with every identity, feature and extension, addressed back", () => {
    const { cache } = host();
    const reply = hostInfo(query(), { source: cache }) as Element;
    expect(reply.attrs).toEqual({
      type: "result",
      id: "q1",
      from: "example.com",
      to: "juliet@example.com/balcony",
    });
    const q = reply.getChild("query", NS_DISCO_INFO)!;
    expect(q.attrs.node).toBeUndefined();
    expect(q.getChildren("identity").map((i) => i.attrs.name)).toEqual(["Example"]);
    expect(q.getChildren("feature").map((f) => f.attrs.var)).toEqual([NS_DISCO_INFO, "urn:xmpp:ping"]);
    expect(
      q.getChild("x", "jabber:x:data")?.getChildByAttr("var", "abuse-addresses")?.getChildText("value"),
    ).toBe("mailto:abuse@example.com");
  });

  it("gives the same answer from the registry (uncached) and from the cache", () => {
    const { registry, cache } = host();
    expect(String(hostInfo(query(), { source: registry }))).toBe(
      String(hostInfo(query(), { source: cache })),
    );
  });

  it("answers node='' and the caps node with the full info, echoing the node", () => {
    const { cache } = host();
    for (const node of ["", `http://prosody.im#${cache.capsVer()}`]) {
      const q = (hostInfo(query(node), { source: cache }) as Element).getChild("query")!;
      expect(q.attrs.node).toBe(node);
      expect(q.getChildren("feature")).toHaveLength(2);
    }
  });

  it("uses the configured caps node", () => {
    const registry = createDiscoRegistry();
    const cache = createHostInfoCache(registry, { capsNode: "https://canto.example" });
    const ok = hostInfo(query(`https://canto.example#${cache.capsVer()}`), { source: cache }) as Element;
    expect(ok.attrs.type).toBe("result");
    const stale = hostInfo(query(`http://prosody.im#${cache.capsVer()}`), { source: cache }) as Element;
    expect(stale.attrs.type).toBe("error");
  });

  it("answers an unknown node with item-not-found when no handler takes it", () => {
    const { cache } = host();
    const reply = hostInfo(query("urn:nowhere"), { source: cache }) as Element;
    expect(reply.attrs).toEqual({
      type: "error",
      id: "q1",
      from: "example.com",
      to: "juliet@example.com/balcony",
    });
    expect(reply.children.map(String)).toEqual([
      '<error type="cancel">' +
        '<item-not-found xmlns="urn:ietf:params:xml:ns:xmpp-stanzas"/>' +
        '<text xmlns="urn:ietf:params:xml:ns:xmpp-stanzas">Node does not exist</text></error>',
    ]);
    const declined = hostInfo(query("urn:nowhere"), {
      source: cache,
      onNode: () => ({ exists: false }),
    }) as Element;
    expect(declined.getChild("error")?.getChild("item-not-found")).toBeDefined();
    const silent = hostInfo(query("urn:nowhere"), { source: cache, onNode: () => undefined }) as Element;
    expect(silent.attrs.type).toBe("error");
  });

  it("lets a node handler fill the prepared reply and say the node exists", () => {
    const { cache } = host();
    const reply = hostInfo(query("urn:commands"), {
      source: cache,
      onNode: ({ node, query: q }) => {
        if (node !== "urn:commands") return undefined;
        q.c("identity", { category: "automation", type: "command-list" });
        return { exists: true };
      },
    }) as Element;
    expect(reply.attrs.type).toBe("result");
    const q = reply.getChild("query", NS_DISCO_INFO)!;
    expect(q.attrs.node).toBe("urn:commands");
    expect(q.getChild("identity")?.attrs.type).toBe("command-list");
  });

  it("sends a handler's own element instead, and waits for async handlers", async () => {
    const { cache } = host();
    const own = new Element("iq", { type: "result", id: "custom" });
    expect(hostInfo(query("n"), { source: cache, onNode: () => own })).toBe(own);
    const later = hostInfo(query("n"), { source: cache, onNode: async () => ({ exists: true }) });
    expect(later).toBeInstanceOf(Promise);
    expect((await later).attrs.type).toBe("result");
  });

  it("returns a copy: changing a reply does not change the cache", () => {
    const { cache } = host();
    const first = hostInfo(query(), { source: cache }) as Element;
    first.getChild("query")!.c("feature", { var: "urn:injected" });
    first.getChild("query")!.getChild("x")!.attrs.type = "form";
    const second = hostInfo(query(), { source: cache }) as Element;
    expect(second.toString()).not.toContain("urn:injected");
    expect(second.getChild("query")!.getChild("x")!.attrs.type).toBe("result");
  });

  it("rejects a stanza without a disco#info query (bad-query)", () => {
    const { cache } = host();
    expect(() => hostInfo(parse('<iq type="get" id="x"/>'), { source: cache })).toThrow(
      expect.objectContaining({ code: "bad-query" }),
    );
  });
});

describe("ported from Prosody's server_contact_info.scs", () => {
  it("a host's disco#info carries the XEP-0157 serverinfo form added as an extension", () => {
    const registry = createDiscoRegistry();
    registry.addIdentity("server", "im", "Prosody");
    registry.addFeature(NS_DISCO_INFO);
    registry.addExtension({
      formType: "http://jabber.org/network/serverinfo",
      fields: [
        {
          var: "abuse-addresses",
          type: "list-multi",
          value: ["mailto:abuse@localhost", "xmpp:abuse@localhost"],
        },
        { var: "admin-addresses", type: "list-multi", value: ["xmpp:admin@localhost"] },
      ],
    });
    const reply = hostInfo(
      parse(`<iq type="get" id="sci" to="localhost"><query xmlns="${NS_DISCO_INFO}"/></iq>`),
      { source: createHostInfoCache(registry) },
    ) as Element;
    const x = reply.getChild("query", NS_DISCO_INFO)!.getChild("x", "jabber:x:data")!;
    expect(x.toString()).toBe(
      '<x xmlns="jabber:x:data" type="result">' +
        '<field var="FORM_TYPE" type="hidden"><value>http://jabber.org/network/serverinfo</value></field>' +
        '<field var="abuse-addresses" type="list-multi"><value>mailto:abuse@localhost</value>' +
        "<value>xmpp:abuse@localhost</value></field>" +
        '<field var="admin-addresses" type="list-multi"><value>xmpp:admin@localhost</value></field></x>',
    );
  });
});
