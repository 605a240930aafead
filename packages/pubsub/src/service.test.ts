import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Element } from "@canto/stanza";
import { createMemoryDriver, createSqliteDriver, type StorageDriver } from "@canto/storage";
import { afterEach, describe, expect, it } from "vitest";
import { isPubsubError, PubsubError, type PubsubErrorCode } from "./errors.js";
import {
  type Broadcaster,
  type Notification,
  PubsubService,
  type PubsubServiceOptions,
  type Recipient,
  type Relationship,
} from "./service.js";

const drivers: StorageDriver[] = [];
afterEach(async () => {
  for (const d of drivers.splice(0)) await d.close();
});

async function serviceOn(driver: StorageDriver, options: Partial<PubsubServiceOptions> = {}) {
  const nodes = await driver.keyval!("pubsub.localhost", "pubsub_nodes");
  const items = await driver.archive!("pubsub.localhost", "pubsub_items", {});
  return new PubsubService({ jid: "pubsub.localhost", nodes, items, ...options });
}

async function memoryService(options: Partial<PubsubServiceOptions> = {}) {
  const driver = createMemoryDriver();
  drivers.push(driver);
  const sent: { notification: Notification; recipients: Recipient[] }[] = [];
  const broadcaster: Broadcaster = (notification, recipients) => {
    sent.push({ notification, recipients });
  };
  const service = await serviceOn(driver, { broadcaster, ...options });
  return { service, sent, driver };
}

function entry(text: string): Element {
  return new Element("entry", { xmlns: "urn:example" }).t(text);
}

async function rejection(p: Promise<unknown>): Promise<PubsubErrorCode> {
  try {
    await p;
  } catch (error) {
    if (isPubsubError(error)) return error.code;
    throw error;
  }
  throw new Error("expected a rejection");
}

const OWNER = "owner@localhost/phone";

describe("PubsubService nodes and items", () => {
  it("creates a node, publishes with an automatic id and reads the item back", async () => {
    const { service } = await memoryService();
    expect(await service.createNode(OWNER, "news")).toBe("news");
    const id = await service.publish(OWNER, "news", undefined, entry("one"));
    expect(id).toMatch(/[0-9a-f-]{36}/);
    const item = await service.getItem("someone@localhost", "news", id);
    expect(item.payload?.getText()).toBe("one");
    expect(item.publisher).toBe("owner@localhost");
    expect(await rejection(service.createNode(OWNER, "news"))).toBe("conflict");
    expect(await rejection(service.getItem("a@localhost", "news", "nope"))).toBe("item-not-found");
    expect(await rejection(service.publish(OWNER, "missing", undefined, entry("x")))).toBe("item-not-found");
  });

  it("creates an instant node with a generated name", async () => {
    const { service } = await memoryService();
    const name = await service.createNode(OWNER, undefined);
    expect(await service.hasNode(name)).toBe(true);
  });

  it("lets only publishers publish and owners configure, purge and delete", async () => {
    const { service } = await memoryService();
    await service.createNode(OWNER, "n");
    expect(await rejection(service.publish("eve@localhost", "n", "1", entry("x")))).toBe("forbidden");
    expect(await rejection(service.configureNode("eve@localhost", "n", { title: "x" }))).toBe("forbidden");
    expect(await rejection(service.purge("eve@localhost", "n"))).toBe("forbidden");
    expect(await rejection(service.deleteNode("eve@localhost", "n"))).toBe("forbidden");
    await service.setAffiliations(OWNER, "n", [{ jid: "pub@localhost", affiliation: "publisher" }]);
    await service.publish("pub@localhost/x", "n", "1", entry("x"));
    await service.configureNode(OWNER, "n", { publish_model: "open" });
    await service.publish("eve@localhost", "n", "2", entry("y"));
    expect((await service.getItems(OWNER, "n")).count).toBe(2);
  });

  it("keeps max_items newest items, with max meaning the service limit", async () => {
    const { service } = await memoryService({ limits: { maxItems: 5 } });
    await service.createNode(OWNER, "n", { max_items: 2 });
    for (const id of ["a", "b", "c"]) await service.publish(OWNER, "n", id, entry(id));
    expect((await service.getItems(OWNER, "n")).items.map((i) => i.id)).toEqual(["c", "b"]);
    // Re-publishing an id makes it the newest.
    await service.publish(OWNER, "n", "b", entry("b2"));
    expect((await service.getItems(OWNER, "n")).items.map((i) => i.id)).toEqual(["b", "c"]);
    await service.configureNode(OWNER, "n", { max_items: Number.POSITIVE_INFINITY });
    for (const id of ["d", "e", "f", "g"]) await service.publish(OWNER, "n", id, entry(id));
    expect((await service.getItems(OWNER, "n")).count).toBe(5);
    await service.configureNode(OWNER, "n", { max_items: 1 });
    expect((await service.getItems(OWNER, "n")).items.map((i) => i.id)).toEqual(["g"]);
    expect(await rejection(service.configureNode(OWNER, "n", { max_items: 6 }))).toBe("max-items-exceeded");
  });

  it("pages items newest first with XEP-0059 cursors", async () => {
    const { service } = await memoryService();
    await service.createNode(OWNER, "n", { max_items: 100 });
    for (let i = 1; i <= 7; i++) await service.publish(OWNER, "n", `i${i}`, entry(String(i)));
    const first = await service.getItems(OWNER, "n", { max: 3 });
    expect(first.items.map((i) => i.id)).toEqual(["i7", "i6", "i5"]);
    expect(first.count).toBe(7);
    const second = await service.getItems(OWNER, "n", { max: 3, after: "i5" });
    expect(second.items.map((i) => i.id)).toEqual(["i4", "i3", "i2"]);
    const back = await service.getItems(OWNER, "n", { max: 2, before: "i4" });
    expect(back.items.map((i) => i.id)).toEqual(["i6", "i5"]);
    const last = await service.getItems(OWNER, "n", { max: 2, before: "" });
    expect(last.items.map((i) => i.id)).toEqual(["i2", "i1"]);
  });

  it("retracts with a notification and purges", async () => {
    const { service, sent } = await memoryService();
    await service.createNode(OWNER, "n", { notify_retract: false });
    await service.subscribe("sub@localhost", "n", "sub@localhost/a");
    await service.publish(OWNER, "n", "1", entry("1"));
    await service.publish(OWNER, "n", "2", entry("2"));
    await service.retract(OWNER, "n", "1");
    await service.retract(OWNER, "n", "2", true);
    expect(sent.map((s) => s.notification.kind)).toEqual(["items", "items", "retract"]);
    expect(await rejection(service.retract(OWNER, "n", "1"))).toBe("item-not-found");
    expect(await rejection(service.retract("sub@localhost", "n", "1"))).toBe("forbidden");
    await service.publish(OWNER, "n", "3", entry("3"));
    await service.configureNode(OWNER, "n", { notify_retract: true });
    await service.purge(OWNER, "n");
    expect((await service.getItems(OWNER, "n")).count).toBe(0);
    expect(sent.at(-1)!.notification.kind).toBe("purge");
  });

  it("notifies with and without payloads, and tells subscribers of deletion", async () => {
    const { service, sent } = await memoryService();
    await service.createNode(OWNER, "n", { deliver_payloads: false });
    await service.subscribe("sub@localhost/a", "n", "sub@localhost/a");
    await service.publish(OWNER, "n", "1", entry("1"));
    const first = sent[0]!;
    expect(first.recipients).toEqual([{ jid: "sub@localhost/a", subid: expect.any(String) }]);
    expect(first.notification.kind === "items" && first.notification.items[0]!.payload).toBeUndefined();
    await service.configureNode(OWNER, "n", { deliver_payloads: true });
    await service.publish(OWNER, "n", "2", entry("2"));
    const second = sent[1]!.notification;
    expect(second.kind === "items" && second.items[0]!.payload?.getText()).toBe("2");
    await service.deleteNode(OWNER, "n", "xmpp:pubsub.localhost?;node=other");
    expect(sent.at(-1)!.notification).toMatchObject({
      kind: "delete",
      redirect: "xmpp:pubsub.localhost?;node=other",
    });
    expect(await service.hasNode("n")).toBe(false);
  });

  it("checks publish-options preconditions and creates a missing node with them", async () => {
    const { service } = await memoryService({ autocreateOnPublish: true });
    await service.publish(OWNER, "keys", "current", entry("k"), { access_model: "whitelist", max_items: 1 });
    const config = await service.getNodeConfig(OWNER, "keys");
    expect(config).toMatchObject({ access_model: "whitelist", max_items: 1 });
    await service.publish(OWNER, "keys", "current", entry("k2"), { access_model: "whitelist" });
    expect(await rejection(service.publish(OWNER, "keys", "x", entry("k3"), { access_model: "open" }))).toBe(
      "precondition-not-met",
    );
    expect((await service.getItems(OWNER, "keys")).items.map((i) => i.payload?.getText())).toEqual(["k2"]);
  });

  it("fires Prosody's service events", async () => {
    const names: string[] = [];
    const { service } = await memoryService({ events: (name) => names.push(name) });
    await service.createNode(OWNER, "n");
    await service.subscribe("s@localhost", "n", "s@localhost");
    await service.publish(OWNER, "n", "1", entry("1"));
    await service.retract(OWNER, "n", "1");
    await service.unsubscribe("s@localhost", "n", "s@localhost");
    await service.deleteNode(OWNER, "n");
    expect(names).toEqual([
      "node-created",
      "subscription-added",
      "item-published/n",
      "item-published",
      "item-retracted",
      "subscription-removed",
      "node-deleted",
    ]);
  });

  it("refuses an oversized item, a long node name and a long item id, storing nothing", async () => {
    const { service } = await memoryService({
      limits: { maxItemSize: 100, maxNodeNameLength: 10, maxItemIdLength: 8 },
      autocreateOnPublish: true,
    });
    await service.createNode(OWNER, "n");
    expect(await rejection(service.publish(OWNER, "n", "1", entry("x".repeat(200))))).toBe("payload-too-big");
    expect(await rejection(service.publish(OWNER, "n", "123456789", entry("x")))).toBe("item-id-too-long");
    expect(await rejection(service.publish(OWNER, "n".repeat(11), "1", entry("x")))).toBe(
      "node-name-too-long",
    );
    expect(await rejection(service.createNode(OWNER, "n".repeat(11)))).toBe("node-name-too-long");
    expect((await service.getItems(OWNER, "n")).count).toBe(0);
    expect((await service.listNodes()).map((n) => n.name)).toEqual(["n"]);
  });

  it("maps errors to XEP-0060 conditions and pubsub#errors children", () => {
    const e = new PubsubError("presence-subscription-required");
    expect(e.condition).toBe("not-authorized");
    expect(e.extra?.tag?.name).toBe("presence-subscription-required");
    const u = new PubsubError("unsupported", undefined, "publish-options");
    expect(u.condition).toBe("feature-not-implemented");
    expect(u.extra?.tag?.attrs.feature).toBe("publish-options");
  });
});

describe("PubsubService access models", () => {
  const relationship: Relationship = {
    isSubscribed: (owner, jid) => owner === "owner@localhost" && jid === "friend@localhost",
    inRosterGroups: (_owner, jid, groups) => jid === "friend@localhost" && groups.includes("Friends"),
  };

  it("open: anyone reads and subscribes", async () => {
    const { service } = await memoryService({ relationship });
    await service.createNode(OWNER, "n", { access_model: "open" });
    await service.publish(OWNER, "n", "1", entry("1"));
    expect((await service.getItems("stranger@else", "n")).count).toBe(1);
    expect((await service.subscribe("stranger@else", "n", "stranger@else")).subscription).toBe("subscribed");
  });

  it("presence: only contacts with a presence subscription", async () => {
    const { service } = await memoryService({ relationship });
    await service.createNode(OWNER, "n", { access_model: "presence" });
    expect((await service.getItems("friend@localhost/x", "n")).count).toBe(0);
    expect(await rejection(service.getItems("stranger@else", "n"))).toBe("presence-subscription-required");
    expect(await rejection(service.subscribe("stranger@else", "n", "stranger@else"))).toBe(
      "presence-subscription-required",
    );
  });

  it("answers mayAccess by the same rules, for recipients a broadcaster adds", async () => {
    const { service } = await memoryService({ relationship });
    await service.createNode(OWNER, "n", { access_model: "presence" });
    expect(await service.mayAccess("friend@localhost/phone", "n")).toBe(true);
    expect(await service.mayAccess("stranger@else", "n")).toBe(false);
    expect(await service.mayAccess("friend@localhost", "missing")).toBe(false);
  });

  it("roster: only members of the allowed groups", async () => {
    const { service } = await memoryService({ relationship });
    await service.createNode(OWNER, "n", { access_model: "roster", roster_groups_allowed: ["Friends"] });
    expect((await service.getItems("friend@localhost", "n")).count).toBe(0);
    expect(await rejection(service.getItems("stranger@else", "n"))).toBe("not-in-roster-group");
    await service.configureNode(OWNER, "n", { roster_groups_allowed: ["Family"] });
    expect(await rejection(service.getItems("friend@localhost", "n"))).toBe("not-in-roster-group");
  });

  it("whitelist: members only; outcasts never", async () => {
    const { service } = await memoryService({ relationship });
    await service.createNode(OWNER, "n", { access_model: "whitelist" });
    expect(await rejection(service.getItems("friend@localhost", "n"))).toBe("closed-node");
    await service.setAffiliations(OWNER, "n", [
      { jid: "friend@localhost", affiliation: "member" },
      { jid: "bad@localhost", affiliation: "outcast" },
    ]);
    expect((await service.getItems("friend@localhost", "n")).count).toBe(0);
    expect(await rejection(service.subscribe("bad@localhost", "n", "bad@localhost"))).toBe("forbidden");
    expect(await rejection(service.setAffiliations(OWNER, "n", [{ jid: OWNER, affiliation: "none" }]))).toBe(
      "not-acceptable",
    );
  });

  it("authorize: subscriptions wait for an owner's approval", async () => {
    const { service, sent } = await memoryService({ relationship });
    await service.createNode(OWNER, "n", { access_model: "authorize" });
    const sub = await service.subscribe("asker@else/r", "n", "asker@else/r");
    expect(sub.subscription).toBe("pending");
    expect(await rejection(service.getItems("asker@else", "n"))).toBe("not-subscribed-authorize");
    await service.publish(OWNER, "n", "1", entry("1"));
    expect(sent.filter((s) => s.notification.kind === "items")[0]!.recipients).toEqual([]);
    await service.setSubscriptions(OWNER, "n", [{ jid: "asker@else/r", subscription: "subscribed" }]);
    expect((await service.getItems("asker@else", "n")).count).toBe(1);
    expect((await service.getNodeSubscriptions(OWNER, "n"))[0]).toMatchObject({ subscription: "subscribed" });
  });

  it("refuses subscribing someone else unless owner", async () => {
    const { service } = await memoryService();
    await service.createNode(OWNER, "n");
    expect(await rejection(service.subscribe("a@localhost", "n", "b@localhost"))).toBe("invalid-jid");
    expect(await rejection(service.unsubscribe("a@localhost", "n", "a@localhost"))).toBe("not-subscribed");
    await service.subscribe(OWNER, "n", "b@localhost");
    expect((await service.getSubscriptions("b@localhost/any")).map((s) => s.node)).toEqual(["n"]);
  });
});

describe("PubsubService persistence", () => {
  it("keeps nodes, affiliations, subscriptions and items across a restart on SQLite", async () => {
    const dir = mkdtempSync(join(tmpdir(), "canto-pubsub-"));
    try {
      const path = join(dir, "pubsub.sqlite");
      const first = createSqliteDriver({ path });
      const a = await serviceOn(first);
      await a.createNode(OWNER, "n", { max_items: 10, title: "News" });
      await a.configureNode(OWNER, "n", { max_items: Number.POSITIVE_INFINITY });
      await a.setAffiliations(OWNER, "n", [{ jid: "pub@localhost", affiliation: "publisher" }]);
      await a.subscribe("sub@localhost/r", "n", "sub@localhost/r");
      await a.publish(OWNER, "n", "1", entry("one"));
      await a.publish("pub@localhost", "n", "2", entry("two"));
      await first.close();

      const second = createSqliteDriver({ path });
      drivers.push(second);
      const b = await serviceOn(second);
      const config = await b.getNodeConfig(OWNER, "n");
      expect(config.title).toBe("News");
      expect(config.max_items).toBe(Number.POSITIVE_INFINITY);
      expect(await b.affiliationOf("n", "pub@localhost")).toBe("publisher");
      expect((await b.getSubscriptions("sub@localhost")).map((s) => s.jid)).toEqual(["sub@localhost/r"]);
      const items = await b.getItems("anyone@localhost", "n");
      expect(items.items.map((i) => [i.id, i.payload?.getText(), i.publisher])).toEqual([
        ["2", "two", "pub@localhost"],
        ["1", "one", "owner@localhost"],
      ]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("forgets a change whose store write failed, so memory never runs ahead of storage", async () => {
    const driver = createMemoryDriver();
    drivers.push(driver);
    const real = await driver.keyval!("pubsub.localhost", "pubsub_nodes");
    let fail = false;
    const nodes = {
      get: (user: string | undefined) => real.get(user),
      users: () => real.users(),
      set: (user: string | undefined, value: Parameters<typeof real.set>[1]) =>
        fail ? Promise.reject(new Error("disk full")) : real.set(user, value),
    };
    const items = await driver.archive!("pubsub.localhost", "pubsub_items", {});
    const service = new PubsubService({ jid: "pubsub.localhost", nodes, items });
    await service.createNode(OWNER, "n");
    fail = true;
    await expect(service.subscribe("s@localhost", "n", "s@localhost")).rejects.toThrow("disk full");
    fail = false;
    expect(await service.getSubscriptions("s@localhost")).toEqual([]);
    await service.subscribe("s@localhost", "n", "s@localhost");
    expect(await service.getSubscriptions("s@localhost")).toHaveLength(1);
  });

  it("keeps items of a node with persist_items false in memory only", async () => {
    const driver = createMemoryDriver();
    drivers.push(driver);
    const a = await serviceOn(driver);
    await a.createNode(OWNER, "t", { persist_items: false });
    await a.publish(OWNER, "t", "1", entry("x"));
    expect((await a.getItems(OWNER, "t")).count).toBe(1);
    const b = await serviceOn(driver);
    expect((await b.getItems(OWNER, "t")).count).toBe(0);
  });
});

describe("PubsubService with items in a keyval store (drivers without archives)", () => {
  async function keyvalService(driver: StorageDriver) {
    return new PubsubService({
      jid: "pubsub.localhost",
      nodes: await driver.keyval!("pubsub.localhost", "pubsub_nodes"),
      items: await driver.keyval!("pubsub.localhost", "pubsub_items"),
      limits: { maxItems: 5 },
    });
  }

  it("trims, pages, retracts and survives a restart", async () => {
    const driver = createMemoryDriver();
    drivers.push(driver);
    const a = await keyvalService(driver);
    await a.createNode(OWNER, "n", { max_items: 4 });
    for (const id of ["1", "2", "3", "4", "5", "2"]) await a.publish(OWNER, "n", id, entry(id));
    expect((await a.getItems(OWNER, "n")).items.map((i) => i.id)).toEqual(["2", "5", "4", "3"]);
    expect((await a.getItems(OWNER, "n", { max: 2, after: "5" })).items.map((i) => i.id)).toEqual(["4", "3"]);
    await a.retract(OWNER, "n", "4");
    const b = await keyvalService(driver);
    const items = await b.getItems(OWNER, "n");
    expect(items.items.map((i) => [i.id, i.payload?.getText(), i.publisher])).toEqual([
      ["2", "2", "owner@localhost"],
      ["5", "5", "owner@localhost"],
      ["3", "3", "owner@localhost"],
    ]);
    await b.purge(OWNER, "n");
    expect((await b.getItems(OWNER, "n")).count).toBe(0);
  });
});
