import { Element, type LocalSession } from "canto";
import { afterEach, describe, expect, it } from "vitest";
import { ask } from "../extensions/extensions.test-helper.js";
import type { PubsubApi } from "./index.js";
import {
  EVENT,
  entry,
  OWNER_NS,
  outcome,
  PUBSUB,
  pubsubIq,
  pubsubServer,
  SERVICE,
  stopServers,
  submitForm,
} from "./pubsub.test-helper.js";

afterEach(stopServers);

async function create(session: LocalSession, node: string, config?: Record<string, string>) {
  const req = pubsubIq("set", "create", { node });
  if (config) req.pubsub.c("configure").cnode(submitForm(`${PUBSUB}#node_config`, config));
  return ask(session, req.stanza);
}

async function publish(session: LocalSession, node: string, id: string | undefined, payload?: Element) {
  const req = pubsubIq("set", "publish", { node });
  const item = req.action.c("item", id === undefined ? {} : { id });
  if (payload) item.cnode(payload);
  return { req, answer: await ask(session, req.stanza) };
}

async function itemIds(session: LocalSession, node: string): Promise<string[]> {
  const answer = await ask(session, pubsubIq("get", "items", { node }).stanza);
  return answer
    .getChild("pubsub", PUBSUB)!
    .getChild("items")!
    .getChildren("item")
    .map((i) => String(i.attrs.id));
}

describe("pubsub component", () => {
  it("creates, publishes, notifies a subscriber and serves the items", async () => {
    const t = await pubsubServer();
    const alice = t.connect("alice@localhost/phone");
    const bob = t.connect("bob@localhost/desk");
    expect(outcome(await create(alice, "news"))).toBe("result");

    const sub = await ask(
      bob,
      pubsubIq("set", "subscribe", { node: "news", jid: "bob@localhost/desk" }).stanza,
    );
    const subscription = sub.getChild("pubsub", PUBSUB)!.getChild("subscription")!;
    expect(subscription.attrs).toMatchObject({
      node: "news",
      jid: "bob@localhost/desk",
      subscription: "subscribed",
    });

    const { answer } = await publish(alice, "news", undefined, entry("Hello"));
    const id = answer.getChild("pubsub", PUBSUB)!.getChild("publish")!.getChild("item")!.attrs.id as string;
    expect(id.length).toBeGreaterThan(0);

    const note = bob.received.find((s) => s.name === "message")!;
    expect(note.attrs).toMatchObject({ from: SERVICE, to: "bob@localhost/desk", type: "headline" });
    const item = note.getChild("event", EVENT)!.getChild("items")!.getChild("item")!;
    expect(item.attrs.id).toBe(id);
    expect(item.getChild("entry")!.getChildText("title")).toBe("Hello");

    expect(await itemIds(bob, "news")).toEqual([id]);
    const single = pubsubIq("get", "items", { node: "news" });
    single.action.c("item", { id: "missing" });
    expect(outcome(await ask(bob, single.stanza))).toBe("cancel/item-not-found");
  });

  it("pages items with RSM and honours max_items", async () => {
    const t = await pubsubServer();
    const alice = t.connect("alice@localhost/phone");
    await create(alice, "log", { max_items: "10" });
    for (let i = 1; i <= 5; i++) await publish(alice, "log", `e${i}`, entry(String(i)));
    const req = pubsubIq("get", "items", { node: "log" });
    req.pubsub.c("set", { xmlns: "http://jabber.org/protocol/rsm" }).c("max").t("2");
    const page = (await ask(alice, req.stanza)).getChild("pubsub", PUBSUB)!;
    expect(
      page
        .getChild("items")!
        .getChildren("item")
        .map((i) => i.attrs.id),
    ).toEqual(["e5", "e4"]);
    const set = page.getChild("set")!;
    expect([set.getChildText("first"), set.getChildText("last"), set.getChildText("count")]).toEqual([
      "e5",
      "e4",
      "5",
    ]);
    const next = pubsubIq("get", "items", { node: "log" });
    const rsm = next.pubsub.c("set", { xmlns: "http://jabber.org/protocol/rsm" });
    rsm.c("max").t("2");
    rsm.c("after").t("e4");
    const page2 = (await ask(alice, next.stanza)).getChild("pubsub", PUBSUB)!.getChild("items")!;
    expect(page2.getChildren("item").map((i) => i.attrs.id)).toEqual(["e3", "e2"]);
    const newest = await ask(alice, pubsubIq("get", "items", { node: "log", max_items: "1" }).stanza);
    expect(newest.getChild("pubsub", PUBSUB)!.getChild("items")!.getChildren("item")).toHaveLength(1);
  });

  it("configures through the owner's form, retracts with notify and purges", async () => {
    const t = await pubsubServer();
    const alice = t.connect("alice@localhost/phone");
    const bob = t.connect("bob@localhost/desk");
    await create(alice, "n");
    const get = await ask(alice, pubsubIq("get", "configure", { node: "n" }, OWNER_NS).stanza);
    const form = get.getChild("pubsub", OWNER_NS)!.getChild("configure")!.getChild("x", "jabber:x:data")!;
    const vars = form.getChildren("field").map((f) => f.attrs.var);
    expect(vars).toEqual(
      expect.arrayContaining([
        "pubsub#access_model",
        "pubsub#max_items",
        "pubsub#notify_retract",
        "pubsub#title",
      ]),
    );
    expect(outcome(await ask(bob, pubsubIq("get", "configure", { node: "n" }, OWNER_NS).stanza))).toBe(
      "auth/forbidden",
    );
    const set = pubsubIq("set", "configure", { node: "n" }, OWNER_NS);
    set.action.cnode(submitForm(`${PUBSUB}#node_config`, { title: "News", access_model: "whitelist" }));
    expect(outcome(await ask(alice, set.stanza))).toBe("result");
    expect(outcome(await ask(bob, pubsubIq("get", "items", { node: "n" }).stanza))).toBe(
      "cancel/not-allowed/closed-node",
    );
    const bad = pubsubIq("set", "configure", { node: "n" }, OWNER_NS);
    bad.action.cnode(submitForm(`${PUBSUB}#node_config`, { access_model: "everyone" }));
    expect(outcome(await ask(alice, bad.stanza))).toBe("modify/not-acceptable");

    await ask(alice, pubsubIq("set", "subscribe", { node: "n", jid: "alice@localhost/phone" }).stanza);
    await publish(alice, "n", "1", entry("x"));
    const retract = pubsubIq("set", "retract", { node: "n", notify: "true" });
    retract.action.c("item", { id: "1" });
    expect(outcome(await ask(alice, retract.stanza))).toBe("result");
    const retracted = alice.received.filter((s) => s.name === "message").at(-1)!;
    expect(retracted.getChild("event", EVENT)!.getChild("items")!.getChild("retract")!.attrs.id).toBe("1");
    await publish(alice, "n", "2", entry("y"));
    expect(outcome(await ask(alice, pubsubIq("set", "purge", { node: "n" }, OWNER_NS).stanza))).toBe(
      "result",
    );
    expect(await itemIds(alice, "n")).toEqual([]);
    expect(outcome(await ask(alice, pubsubIq("set", "delete", { node: "n" }, OWNER_NS).stanza))).toBe(
      "result",
    );
    const deleted = alice.received.filter((s) => s.name === "message").at(-1)!;
    expect(deleted.getChild("event", EVENT)!.getChild("delete")!.attrs.node).toBe("n");
  });

  it("notifies without payloads, of configuration changes, and sends the last item on subscription", async () => {
    const t = await pubsubServer();
    const alice = t.connect("alice@localhost/phone");
    const bob = t.connect("bob@localhost/desk");
    await create(alice, "n", {
      deliver_payloads: "0",
      notify_config: "1",
      send_last_published_item: "on_sub",
    });
    await publish(alice, "n", "early", entry("before bob"));
    await ask(bob, pubsubIq("set", "subscribe", { node: "n", jid: "bob@localhost/desk" }).stanza);
    const last = bob.received.filter((s) => s.name === "message").at(-1)!;
    expect(last.getChild("event", EVENT)!.getChild("items")!.getChild("item")!.attrs.id).toBe("early");
    expect(last.getChild("delay", "urn:xmpp:delay")).toBeDefined();

    await publish(alice, "n", "1", entry("secret"));
    const note = bob.received.filter((s) => s.name === "message").at(-1)!;
    const item = note.getChild("event", EVENT)!.getChild("items")!.getChild("item")!;
    expect(item.attrs.id).toBe("1");
    expect(item.children).toHaveLength(0);

    const set = pubsubIq("set", "configure", { node: "n" }, OWNER_NS);
    set.action.cnode(submitForm(`${PUBSUB}#node_config`, { title: "Renamed", deliver_payloads: "1" }));
    expect(outcome(await ask(alice, set.stanza))).toBe("result");
    const config = bob.received.filter((s) => s.name === "message").at(-1)!;
    const configuration = config.getChild("event", EVENT)!.getChild("configuration")!;
    expect(configuration.attrs.node).toBe("n");
    const title = configuration
      .getChild("x", "jabber:x:data")!
      .getChildren("field")
      .find((f) => f.attrs.var === "pubsub#title")!;
    expect(title.getChildText("value")).toBe("Renamed");
  });

  it("manages affiliations and subscriptions as owner", async () => {
    const t = await pubsubServer();
    const alice = t.connect("alice@localhost/phone");
    const bob = t.connect("bob@localhost/desk");
    await create(alice, "n");
    const affs = pubsubIq("set", "affiliations", { node: "n" }, OWNER_NS);
    affs.action.c("affiliation", { jid: "bob@localhost", affiliation: "publisher" });
    expect(outcome(await ask(alice, affs.stanza))).toBe("result");
    expect(outcome((await publish(bob, "n", "b1", entry("by bob"))).answer)).toBe("result");
    const list = await ask(alice, pubsubIq("get", "affiliations", { node: "n" }, OWNER_NS).stanza);
    expect(
      list
        .getChild("pubsub", OWNER_NS)!
        .getChild("affiliations")!
        .getChildren("affiliation")
        .map((a) => `${a.attrs.jid}=${a.attrs.affiliation}`),
    ).toEqual(["alice@localhost=owner", "bob@localhost=publisher"]);
    const mine = await ask(bob, pubsubIq("get", "affiliations").stanza);
    expect(
      mine.getChild("pubsub", PUBSUB)!.getChild("affiliations")!.getChild("affiliation")!.attrs,
    ).toMatchObject({
      node: "n",
      affiliation: "publisher",
    });
    const subs = pubsubIq("set", "subscriptions", { node: "n" }, OWNER_NS);
    subs.action.c("subscription", { jid: "carol@localhost", subscription: "subscribed" });
    expect(outcome(await ask(alice, subs.stanza))).toBe("result");
    const got = await ask(alice, pubsubIq("get", "subscriptions", { node: "n" }, OWNER_NS).stanza);
    expect(
      got.getChild("pubsub", OWNER_NS)!.getChild("subscriptions")!.getChild("subscription")!.attrs.jid,
    ).toBe("carol@localhost");
  });

  it("lets local users create nodes and refuses remote ones; admins own every node", async () => {
    const t = await pubsubServer({ admins: ["admin@localhost"] });
    const remote = t.connect("mallory@elsewhere.example/x");
    expect(outcome(await create(remote, "mine"))).toBe("auth/forbidden");
    const alice = t.connect("alice@localhost/phone");
    await create(alice, "alices");
    const admin = t.connect("admin@localhost/console");
    expect(outcome(await ask(admin, pubsubIq("set", "delete", { node: "alices" }, OWNER_NS).stanza))).toBe(
      "result",
    );
  });

  it("creates nodes on publish and subscribe when asked to, and fires Prosody's events on the host", async () => {
    const t = await pubsubServer({ autocreate_on_publish: true, autocreate_on_subscribe: true });
    const events: string[] = [];
    const host = t.server.host(SERVICE)!;
    for (const name of ["node-created", "item-published/auto", "item-published", "subscription-added"]) {
      host.events.hook(name, () => {
        events.push(name);
      });
    }
    const alice = t.connect("alice@localhost/phone");
    expect(outcome((await publish(alice, "auto", "1", entry("x"))).answer)).toBe("result");
    expect(
      outcome(
        await ask(alice, pubsubIq("set", "subscribe", { node: "other", jid: "alice@localhost" }).stanza),
      ),
    ).toBe("result");
    expect(events).toEqual([
      "node-created",
      "item-published/auto",
      "item-published",
      "node-created",
      "subscription-added",
    ]);
  });

  it("answers disco#info and disco#items for the service and its nodes", async () => {
    const t = await pubsubServer();
    const alice = t.connect("alice@localhost/phone");
    await create(alice, "news", { title: "Daily news" });
    await publish(alice, "news", "i1", entry("x"));
    const info = new Element("iq", { id: "d1", type: "get", to: SERVICE })
      .c("query", {
        xmlns: "http://jabber.org/protocol/disco#info",
      })
      .root();
    const infoAnswer = await ask(alice, info);
    const query = infoAnswer.getChild("query")!;
    expect(query.getChild("identity")!.attrs).toMatchObject({ category: "pubsub", type: "service" });
    const features = query.getChildren("feature").map((f) => f.attrs.var);
    expect(features).toEqual(expect.arrayContaining([PUBSUB, `${PUBSUB}#publish-options`]));
    const items = new Element("iq", { id: "d2", type: "get", to: SERVICE })
      .c("query", {
        xmlns: "http://jabber.org/protocol/disco#items",
      })
      .root();
    const itemsAnswer = await ask(alice, items);
    expect(
      itemsAnswer
        .getChild("query")!
        .getChildren("item")
        .map((i) => [i.attrs.node, i.attrs.name]),
    ).toEqual([["news", "Daily news"]]);
    const nodeInfo = new Element("iq", { id: "d3", type: "get", to: SERVICE })
      .c("query", {
        xmlns: "http://jabber.org/protocol/disco#info",
        node: "news",
      })
      .root();
    const nodeAnswer = await ask(alice, nodeInfo);
    expect(nodeAnswer.getChild("query")!.getChild("identity")!.attrs.type).toBe("leaf");
    const nodeItems = new Element("iq", { id: "d4", type: "get", to: SERVICE })
      .c("query", {
        xmlns: "http://jabber.org/protocol/disco#items",
        node: "news",
      })
      .root();
    expect((await ask(alice, nodeItems)).getChild("query")!.getChild("item")!.attrs.name).toBe("i1");
    const missing = new Element("iq", { id: "d5", type: "get", to: SERVICE })
      .c("query", {
        xmlns: "http://jabber.org/protocol/disco#info",
        node: "nope",
      })
      .root();
    expect(outcome(await ask(alice, missing))).toBe("cancel/item-not-found");
  });
});

describe("pubsub component: loading", () => {
  it("brings disco along when only the component names pubsub, and hands its service to dependents", async () => {
    const t = await pubsubServer({}, { modules_enabled: [] });
    const info = new Element("iq", { id: "l1", type: "get", to: SERVICE })
      .c("query", { xmlns: "http://jabber.org/protocol/disco#info" })
      .root();
    const answer = await ask(t.connect("alice@localhost/phone"), info);
    expect(answer.getChild("query")!.getChild("identity")!.attrs.category).toBe("pubsub");
    const api = t.server.manager.get(SERVICE, "pubsub")!.exports as PubsubApi;
    await api.service.createNode("alice@localhost", "from-code");
    expect(await api.service.hasNode("from-code")).toBe(true);
  });
});

describe("pubsub component: bad input", () => {
  it("answers publish-options preconditions with conflict/precondition-not-met and stores nothing", async () => {
    const t = await pubsubServer();
    const alice = t.connect("alice@localhost/phone");
    await create(alice, "keys", { access_model: "open" });
    const req = pubsubIq("set", "publish", { node: "keys" });
    req.action.c("item", { id: "k" }).cnode(entry("k"));
    req.pubsub
      .c("publish-options")
      .cnode(submitForm(`${PUBSUB}#publish-options`, { access_model: "whitelist" }));
    expect(outcome(await ask(alice, req.stanza))).toBe("cancel/conflict/precondition-not-met");
    expect(await itemIds(alice, "keys")).toEqual([]);
  });

  it("takes the forms Prosody's own tests send: untyped publish-options, extra fields, validate", async () => {
    const t = await pubsubServer();
    const alice = t.connect("alice@localhost/phone");
    await create(alice, "tune");
    const configure = pubsubIq("set", "configure", { node: "tune" }, OWNER_NS);
    const form = submitForm(`${PUBSUB}#node_config`, { title: "Nice tunes", notification_type: "normal" });
    form
      .c("field", { var: "pubsub#max_items", type: "text-single" })
      .c("validate", {
        xmlns: "http://jabber.org/protocol/xdata-validate",
        datatype: "pubsub:integer-or-max",
      })
      .up()
      .c("value")
      .t("1");
    form.c("field", { var: "pubsub#unheard_of", type: "text-single" });
    configure.action.cnode(form);
    expect(outcome(await ask(alice, configure.stanza))).toBe("result");

    const publishWith = async (access: string) => {
      const req = pubsubIq("set", "publish", { node: "tune" });
      req.action.c("item", { id: "current" }).c("tune", { xmlns: "http://jabber.org/protocol/tune" });
      const x = req.pubsub.c("publish-options").c("x", { xmlns: "jabber:x:data" });
      x.c("field", { var: "FORM_TYPE", type: "hidden" }).c("value").t(`${PUBSUB}#publish-options`);
      x.c("field", { var: "pubsub#access_model" }).c("value").t(access);
      return ask(alice, req.stanza);
    };
    expect(outcome(await publishWith("whitelist"))).toBe("cancel/conflict/precondition-not-met");
    expect(outcome(await publishWith("open"))).toBe("result");
    await ask(alice, pubsubIq("set", "subscribe", { node: "tune", jid: "alice@localhost/phone" }).stanza);
    await publishWith("open");
    expect(alice.received.filter((s) => s.name === "message").at(-1)!.attrs.type).toBe("normal");
  });

  it("answers malformed publish-options with bad-request/invalid-options and stores nothing", async () => {
    const t = await pubsubServer();
    const alice = t.connect("alice@localhost/phone");
    await create(alice, "n");
    const cases: ((po: Element) => void)[] = [
      (po) => po.cnode(submitForm("urn:wrong:form", { access_model: "open" })),
      (po) => po.cnode(submitForm(`${PUBSUB}#publish-options`, { max_items: "lots" })),
      (po) => po.c("x", { xmlns: "jabber:x:data", type: "bogus" }),
      (po) => po.c("x", { xmlns: "jabber:x:data", type: "cancel" }),
      (po) => po.c("not-a-form", { xmlns: "urn:example" }),
    ];
    for (const fill of cases) {
      const req = pubsubIq("set", "publish", { node: "n" });
      req.action.c("item", { id: "x" }).cnode(entry("x"));
      fill(req.pubsub.c("publish-options"));
      expect(outcome(await ask(alice, req.stanza))).toBe("modify/bad-request/invalid-options");
    }
    expect(await itemIds(alice, "n")).toEqual([]);
  });

  it("refuses an oversized item with not-acceptable/payload-too-big", async () => {
    const t = await pubsubServer({ pubsub_max_item_size: 200 });
    const alice = t.connect("alice@localhost/phone");
    await create(alice, "n");
    const { answer } = await publish(alice, "n", "big", entry("x".repeat(500)));
    expect(outcome(answer)).toBe("modify/not-acceptable/payload-too-big");
    expect(await itemIds(alice, "n")).toEqual([]);
  });

  it("refuses too-long node names and item ids with not-acceptable", async () => {
    const t = await pubsubServer({
      pubsub_max_node_name_length: 16,
      pubsub_max_item_id_length: 8,
      autocreate_on_publish: true,
    });
    const alice = t.connect("alice@localhost/phone");
    expect(outcome(await create(alice, "n".repeat(17)))).toBe("modify/not-acceptable");
    expect(outcome((await publish(alice, "n".repeat(17), "1", entry("x"))).answer)).toBe(
      "modify/not-acceptable",
    );
    await create(alice, "n");
    expect(outcome((await publish(alice, "n", "i".repeat(9), entry("x"))).answer)).toBe(
      "modify/not-acceptable",
    );
    expect(await itemIds(alice, "n")).toEqual([]);
    const disco = new Element("iq", { id: "dx", type: "get", to: SERVICE })
      .c("query", {
        xmlns: "http://jabber.org/protocol/disco#items",
      })
      .root();
    expect(
      (await ask(alice, disco))
        .getChild("query")!
        .getChildren("item")
        .map((i) => i.attrs.node),
    ).toEqual(["n"]);
  });

  it("answers other malformed requests with the XEP-0060 errors", async () => {
    const t = await pubsubServer();
    const alice = t.connect("alice@localhost/phone");
    await create(alice, "n");
    const twoPayloads = pubsubIq("set", "publish", { node: "n" });
    twoPayloads.action.c("item").cnode(entry("a")).root();
    twoPayloads.action.getChild("item")!.cnode(entry("b"));
    expect(outcome(await ask(alice, twoPayloads.stanza))).toBe("modify/bad-request/invalid-payload");
    expect(outcome(await ask(alice, pubsubIq("set", "publish", {}).stanza))).toBe(
      "modify/bad-request/nodeid-required",
    );
    expect(outcome(await ask(alice, pubsubIq("set", "publish", { node: "n" }).stanza))).toBe(
      "modify/bad-request/item-required",
    );
    expect(outcome(await ask(alice, pubsubIq("get", "options", { node: "n" }).stanza))).toBe(
      "cancel/feature-not-implemented/unsupported",
    );
    const bob = t.connect("bob@localhost/desk");
    expect(
      outcome(await ask(bob, pubsubIq("set", "subscribe", { node: "n", jid: "carol@localhost" }).stanza)),
    ).toBe("modify/bad-request/invalid-jid");
    expect(outcome(await ask(alice, pubsubIq("set", "create", { node: "n" }).stanza))).toBe(
      "cancel/conflict",
    );
    expect(await itemIds(alice, "n")).toEqual([]);
  });
});
