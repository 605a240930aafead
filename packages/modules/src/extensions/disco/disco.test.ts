import { disco, Element, type Module } from "canto";
import { afterEach, describe, expect, it } from "vitest";
import type { C2sSession, StreamFeaturesEvent } from "../../shared/contracts.js";
import { ask, outcome, request, serverWith, stopServers } from "../extensions.test-helper.js";

afterEach(stopServers);

const INFO = disco.NS_DISCO_INFO;
const ITEMS = disco.NS_DISCO_ITEMS;

function features(answer: Element): string[] {
  return answer
    .getChild("query", INFO)!
    .getChildren("feature")
    .map((f) => String(f.attrs.var));
}

function identities(answer: Element): string[] {
  return answer
    .getChild("query", INFO)!
    .getChildren("identity")
    .map((i) => `${i.attrs.category}/${i.attrs.type}/${i.attrs.name ?? ""}`);
}

const featureModule =
  (feature: string) =>
  (module: Module): void => {
    module.addFeature(feature);
  };

describe("disco: host", () => {
  it("answers disco#info with server/im named by `name`, its own features and those of other modules", async () => {
    const t = await serverWith(
      ["disco", "feat"],
      { name: "Chatty", hosts: { localhost: {} } },
      {
        feat: featureModule("urn:example:feature"),
      },
    );
    const alice = t.connect("alice@localhost/phone");
    const answer = await ask(alice, request("get", "localhost", "query", INFO).stanza);
    expect(outcome(answer)).toBe("result");
    expect(answer.attrs.from).toBe("localhost");
    expect(identities(answer)).toEqual(["server/im/Chatty"]);
    expect(features(answer)).toEqual(expect.arrayContaining([INFO, ITEMS, "urn:example:feature"]));
  });

  it("names the server Canto by default", async () => {
    const t = await serverWith(["disco"]);
    const answer = await ask(t.connect("a@localhost/r"), request("get", "localhost", "query", INFO).stanza);
    expect(identities(answer)).toEqual(["server/im/Canto"]);
  });

  it("drops a module's features when it unloads, and shows them again when it loads", async () => {
    const t = await serverWith(["disco", "feat"], undefined, { feat: featureModule("urn:example:gone") });
    const alice = t.connect("alice@localhost/phone");
    const before = await ask(alice, request("get", "localhost", "query", INFO).stanza);
    expect(features(before)).toContain("urn:example:gone");
    await t.server.manager.unload("localhost", "feat");
    const after = await ask(alice, request("get", "localhost", "query", INFO).stanza);
    expect(features(after)).not.toContain("urn:example:gone");
    expect(features(after)).toContain(INFO);
    await t.server.manager.load("localhost", "feat");
    const again = await ask(alice, request("get", "localhost", "query", INFO).stanza);
    expect(features(again)).toContain("urn:example:gone");
  });

  it("lists the features of the loaded extension modules and drops those of one unloaded", async () => {
    const t = await serverWith([
      "disco",
      "ping",
      "version",
      "time",
      "uptime",
      "lastactivity",
      "private",
      "vcard",
      "blocking",
    ]);
    const alice = t.connect("alice@localhost/phone");
    const answer = await ask(alice, request("get", "localhost", "query", INFO).stanza);
    expect(features(answer)).toEqual(
      expect.arrayContaining([
        "urn:xmpp:ping",
        "jabber:iq:version",
        "urn:xmpp:time",
        "jabber:iq:last",
        "jabber:iq:private",
        "vcard-temp",
        "urn:xmpp:blocking",
      ]),
    );
    await t.server.manager.unload("localhost", "ping");
    await t.server.manager.unload("localhost", "uptime");
    const after = features(await ask(alice, request("get", "localhost", "query", INFO).stanza));
    expect(after).not.toContain("urn:xmpp:ping");
    // lastactivity still offers jabber:iq:last: a feature stays while any module adds it.
    expect(after).toContain("jabber:iq:last");
  });

  it("counts the items of global modules", async () => {
    const t = await serverWith(["disco", "globalfeat"], undefined, {
      globalfeat: (module: Module) => {
        module.setGlobal();
        module.addFeature("urn:example:global");
      },
    });
    const answer = await ask(t.connect("a@localhost/r"), request("get", "localhost", "query", INFO).stanza);
    expect(features(answer)).toContain("urn:example:global");
  });

  it("includes XEP-0128 extensions and leaves out (and logs) an extension that is no data form", async () => {
    const form = new Element("x", { xmlns: "jabber:x:data", type: "result" });
    form.c("field", { var: "FORM_TYPE", type: "hidden" }).c("value").t("urn:example:form");
    const t = await serverWith(["disco", "ext"], undefined, {
      ext: (module: Module) => {
        module.addExtension(form);
        module.addExtension(new Element("not-a-form", { xmlns: "urn:example" }));
      },
    });
    const answer = await ask(t.connect("a@localhost/r"), request("get", "localhost", "query", INFO).stanza);
    const query = answer.getChild("query", INFO)!;
    expect(query.getChildren("x", "jabber:x:data")).toHaveLength(1);
    expect(query.getChild("not-a-form")).toBeUndefined();
  });

  it("answers the caps node with the full info, an unknown node with item-not-found", async () => {
    const t = await serverWith(["disco"]);
    const alice = t.connect("alice@localhost/phone");
    const plain = await ask(alice, request("get", "localhost", "query", INFO).stanza);
    const ver = disco.capsVerOfQuery(plain.getChild("query", INFO)!);
    const caps = request("get", "localhost", "query", INFO);
    caps.payload.attrs.node = `http://prosody.im#${ver}`;
    const capsAnswer = await ask(alice, caps.stanza);
    expect(capsAnswer.getChild("query", INFO)!.attrs.node).toBe(`http://prosody.im#${ver}`);
    expect(features(capsAnswer)).toContain(INFO);
    const unknown = request("get", "localhost", "query", INFO);
    unknown.payload.attrs.node = "urn:nothing";
    expect(outcome(await ask(alice, unknown.stanza))).toBe("cancel/item-not-found");
  });

  it("lets host-disco-info-node and host-disco-items-node handlers answer nodes", async () => {
    const t = await serverWith(["disco", "nodes"], undefined, {
      nodes: (module: Module) => {
        module.hook("host-disco-info-node", (e: { node: string; query: Element; exists: boolean }) => {
          if (e.node !== "urn:example:node") return undefined;
          e.query.c("feature", { var: "urn:example:in-node" });
          e.exists = true;
          return undefined;
        });
        module.hook("host-disco-items-node", (e: { node: string; query: Element; exists: boolean }) => {
          e.query.c("item", { jid: "localhost", node: `${e.node}/child` });
          e.exists = true;
          return undefined;
        });
      },
    });
    const alice = t.connect("alice@localhost/phone");
    const info = request("get", "localhost", "query", INFO);
    info.payload.attrs.node = "urn:example:node";
    const infoAnswer = await ask(alice, info.stanza);
    expect(features(infoAnswer)).toEqual(["urn:example:in-node"]);
    const items = request("get", "localhost", "query", ITEMS);
    items.payload.attrs.node = "n1";
    const itemsAnswer = await ask(alice, items.stanza);
    expect(itemsAnswer.getChild("query", ITEMS)!.getChild("item")!.attrs.node).toBe("n1/child");
  });

  it("lists child components and the disco_items option in disco#items, not hidden hosts", async () => {
    const t = await serverWith(["disco"], {
      hosts: { localhost: { disco_items: [["news.example", "News"], { jid: "other.example" }] } },
      components: {
        "conference.localhost": { name: "Rooms" },
        "hidden.localhost": { disco_hidden: true },
        "deep.conference.localhost": {},
      },
    });
    const alice = t.connect("alice@localhost/phone");
    const answer = await ask(alice, request("get", "localhost", "query", ITEMS).stanza);
    const items = answer
      .getChild("query", ITEMS)!
      .getChildren("item")
      .map((i) => `${i.attrs.jid}|${i.attrs.name ?? ""}`);
    expect(items).toEqual(["conference.localhost|Rooms", "news.example|News", "other.example|"]);
  });

  it("ignores a malformed disco_items option as a whole and reports it in the module status", async () => {
    const t = await serverWith(["disco"], { hosts: { localhost: { disco_items: [["ok.example"], [42]] } } });
    const answer = await ask(t.connect("a@localhost/r"), request("get", "localhost", "query", ITEMS).stanza);
    expect(answer.getChild("query", ITEMS)!.getChildren("item")).toHaveLength(0);
    const status = t.server.manager.get("localhost", "disco")!.getStatus();
    expect(status.type).toBe("error");
    expect(status.message).toContain("disco_items[1]");
  });
});

describe("disco: accounts", () => {
  async function seedRoster(t: Awaited<ReturnType<typeof serverWith>>, user: string, roster: unknown) {
    const store = await t.server.storage.open("localhost", "roster", "keyval");
    await store.set(user, roster as never);
  }

  it("shows an account to itself as account/registered", async () => {
    const t = await serverWith(["disco"]);
    const alice = t.connect("alice@localhost/phone");
    const answer = await ask(alice, request("get", undefined, "query", INFO).stanza);
    expect(outcome(answer)).toBe("result");
    expect(answer.attrs.from).toBe("alice@localhost");
    expect(identities(answer)).toEqual(["account/registered/"]);
    expect(features(answer)).toEqual([INFO, ITEMS]);
    const own = await ask(alice, request("get", "alice@localhost", "query", ITEMS).stanza);
    expect(outcome(own)).toBe("result");
  });

  it("hides an account from strangers and from contacts without a subscription", async () => {
    const t = await serverWith(["disco"]);
    await seedRoster(t, "alice", { "bob@localhost": { subscription: "to" } });
    const bob = t.connect("bob@localhost/desk");
    expect(outcome(await ask(bob, request("get", "alice@localhost", "query", INFO).stanza))).toBe(
      "cancel/service-unavailable",
    );
    expect(outcome(await ask(bob, request("get", "alice@localhost", "query", ITEMS).stanza))).toBe(
      "cancel/service-unavailable",
    );
  });

  it("shows an account to contacts subscribed to its presence", async () => {
    const t = await serverWith(["disco"]);
    await seedRoster(t, "alice", {
      "bob@localhost": { subscription: "from" },
      "carol@localhost": { subscription: "both" },
    });
    const bob = t.connect("bob@localhost/desk");
    const carol = t.connect("carol@localhost/desk");
    const answer = await ask(bob, request("get", "alice@localhost", "query", INFO).stanza);
    expect(identities(answer)).toEqual(["account/registered/"]);
    expect(answer.attrs.from).toBe("alice@localhost");
    expect(outcome(await ask(carol, request("get", "alice@localhost", "query", ITEMS).stanza))).toBe(
      "result",
    );
  });

  it("reads a malformed roster as no subscription", async () => {
    const t = await serverWith(["disco"]);
    await seedRoster(t, "alice", { "bob@localhost": "both" });
    const bob = t.connect("bob@localhost/desk");
    expect(outcome(await ask(bob, request("get", "alice@localhost", "query", INFO).stanza))).toBe(
      "cancel/service-unavailable",
    );
  });

  it("shows admins as account/admin, to anyone only with disco_expose_admins", async () => {
    const hidden = await serverWith(["disco"], { admins: ["root@localhost"], hosts: { localhost: {} } });
    const root = hidden.connect("root@localhost/console");
    expect(identities(await ask(root, request("get", undefined, "query", INFO).stanza))).toEqual([
      "account/admin/",
    ]);
    const stranger = hidden.connect("eve@localhost/x");
    expect(outcome(await ask(stranger, request("get", "root@localhost", "query", INFO).stanza))).toBe(
      "cancel/service-unavailable",
    );
    await stopServers();

    const exposed = await serverWith(["disco"], {
      admins: ["root@localhost"],
      disco_expose_admins: true,
      hosts: { localhost: {} },
    });
    const eve = exposed.connect("eve@localhost/x");
    const answer = await ask(eve, request("get", "root@localhost", "query", INFO).stanza);
    expect(identities(answer)).toEqual(["account/admin/"]);
    expect(outcome(await ask(eve, request("get", "alice@localhost", "query", INFO).stanza))).toBe(
      "cancel/service-unavailable",
    );
  });

  it("shows accounts of an anonymous host as account/anonymous", async () => {
    const t = await serverWith(["disco"], { authentication: "anonymous", hosts: { localhost: {} } });
    const alice = t.connect("alice@localhost/phone");
    expect(identities(await ask(alice, request("get", undefined, "query", INFO).stanza))).toEqual([
      "account/anonymous/",
    ]);
  });

  it("lets account-disco-info and account-disco-items handlers add to the answer", async () => {
    const t = await serverWith(["disco", "pepish"], undefined, {
      pepish: (module: Module) => {
        module.hook("account-disco-info", (e: { query: Element }) => {
          e.query.c("feature", { var: "urn:example:pep" });
          return undefined;
        });
        module.hook("account-disco-items", async (e: { query: Element; account: string }) => {
          e.query.c("item", { jid: e.account, node: "urn:example:node" });
          return undefined;
        });
      },
    });
    const alice = t.connect("alice@localhost/phone");
    expect(features(await ask(alice, request("get", undefined, "query", INFO).stanza))).toContain(
      "urn:example:pep",
    );
    const items = await ask(alice, request("get", undefined, "query", ITEMS).stanza);
    expect(items.getChild("query", ITEMS)!.getChild("item")!.attrs).toMatchObject({
      jid: "alice@localhost",
      node: "urn:example:node",
    });
  });
});

describe("disco: caps in stream features", () => {
  function fakeOrigin(type: string): C2sSession {
    return { type, host: "localhost", state: new Map() } as unknown as C2sSession;
  }

  it("adds <c/> with the hash of the host's disco#info for authenticated clients only", async () => {
    const t = await serverWith(["disco", "feat"], undefined, { feat: featureModule("urn:example:f") });
    const host = t.server.host("localhost")!;
    const authed: StreamFeaturesEvent = {
      origin: fakeOrigin("c2s"),
      features: new Element("stream:features"),
    };
    host.events.fire("stream-features", authed);
    const c = authed.features.getChild("c", disco.NS_CAPS);
    expect(c?.attrs).toMatchObject({ hash: "sha-1", node: "http://prosody.im" });
    const answer = await ask(t.connect("a@localhost/r"), request("get", "localhost", "query", INFO).stanza);
    expect(c?.attrs.ver).toBe(disco.capsVerOfQuery(answer.getChild("query", INFO)!));

    const unauthed: StreamFeaturesEvent = {
      origin: fakeOrigin("c2s_unauthed"),
      features: new Element("stream:features"),
    };
    host.events.fire("stream-features", unauthed);
    expect(unauthed.features.getChild("c", disco.NS_CAPS)).toBeUndefined();
  });

  it("changes the hash when a module adds a feature", async () => {
    const t = await serverWith(["disco"]);
    const host = t.server.host("localhost")!;
    const verOf = () => {
      const event: StreamFeaturesEvent = { origin: fakeOrigin("c2s"), features: new Element("f") };
      host.events.fire("stream-features", event);
      return event.features.getChild("c")!.attrs.ver as string;
    };
    const before = verOf();
    t.server.manager.get("localhost", "disco")!.addFeature("urn:example:new");
    expect(verOf()).not.toBe(before);
  });
});
