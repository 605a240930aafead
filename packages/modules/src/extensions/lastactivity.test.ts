import { presence, type TestServer } from "canto";
import { afterEach, describe, expect, it } from "vitest";
import { ask, outcome, request, serverWith, stopServers } from "./extensions.test-helper.js";

afterEach(stopServers);

const NS = "jabber:iq:last";

async function seedRoster(t: TestServer, user: string, roster: unknown) {
  const store = await t.server.storage.open("localhost", "roster", "keyval");
  await store.set(user, roster as never);
}

function lastOf(answer: { getChild(name: string, ns: string): unknown }) {
  const query = answer.getChild("query", NS) as { attrs: { seconds?: string }; getText(): string };
  return { seconds: query.attrs.seconds, text: query.getText() };
}

describe("lastactivity", () => {
  it("tells a subscribed contact how long ago the account left, with its last status", async () => {
    const t = await serverWith(["lastactivity"]);
    await seedRoster(t, "alice", { "bob@localhost": { subscription: "both" } });
    const alice = t.connect("alice@localhost/phone");
    const bob = t.connect("bob@localhost/desk");

    const online = await ask(bob, request("get", "alice@localhost", "query", NS).stanza);
    expect(outcome(online)).toBe("result");
    expect(lastOf(online)).toEqual({ seconds: "0", text: "" });

    await alice.process(presence({ type: "unavailable" }).c("status").t("Gone fishing").root());
    t.server.sessionManager.destroy(alice);
    await t.clock.advance(120);
    const away = await ask(bob, request("get", "alice@localhost", "query", NS).stanza);
    expect(lastOf(away)).toEqual({ seconds: "120", text: "Gone fishing" });
    expect(away.attrs.from).toBe("alice@localhost");
  });

  it("keeps the record in the lastlog store, so it survives a reload", async () => {
    const t = await serverWith(["lastactivity"]);
    await seedRoster(t, "alice", { "bob@localhost": { subscription: "from" } });
    const alice = t.connect("alice@localhost/phone");
    t.server.sessionManager.destroy(alice);
    await t.server.manager.reload("localhost", "lastactivity");
    await t.clock.advance(5);
    const stored = await (await t.server.storage.open("localhost", "lastlog", "keyval")).get("alice");
    expect(stored).toMatchObject({ status: "" });
    const bob = t.connect("bob@localhost/desk");
    expect(lastOf(await ask(bob, request("get", "alice@localhost", "query", NS).stanza)).seconds).toBe("5");
  });

  it("answers the account itself, addressed or not", async () => {
    const t = await serverWith(["lastactivity"]);
    const alice = t.connect("alice@localhost/phone");
    expect(lastOf(await ask(alice, request("get", undefined, "query", NS).stanza)).seconds).toBe("0");
    expect(outcome(await ask(alice, request("get", "alice@localhost", "query", NS).stanza))).toBe("result");
  });

  it("refuses anyone not subscribed to the account's presence with forbidden", async () => {
    const t = await serverWith(["lastactivity"]);
    await seedRoster(t, "alice", { "eve@localhost": { subscription: "to" } });
    t.connect("alice@localhost/phone");
    const eve = t.connect("eve@localhost/x");
    expect(outcome(await ask(eve, request("get", "alice@localhost", "query", NS).stanza))).toBe(
      "auth/forbidden",
    );
    expect(outcome(await ask(eve, request("get", "nobody@localhost", "query", NS).stanza))).toBe(
      "auth/forbidden",
    );
  });

  it("answers item-not-found for an offline account with nothing recorded", async () => {
    const t = await serverWith(["lastactivity"]);
    await seedRoster(t, "carol", { "bob@localhost": { subscription: "both" } });
    const bob = t.connect("bob@localhost/desk");
    expect(outcome(await ask(bob, request("get", "carol@localhost", "query", NS).stanza))).toBe(
      "cancel/item-not-found",
    );
  });
});
