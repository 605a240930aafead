import { type Element, getError, iq, message, presence } from "canto";
import { afterEach, describe, expect, it } from "vitest";
import { clear, fakeAuth, imServer, login } from "./im.test-helper.js";
import { topResources } from "./message-rules.js";

let stop: (() => Promise<void>) | undefined;
afterEach(async () => {
  await stop?.();
  stop = undefined;
});

async function server(options: Parameters<typeof imServer>[0] = {}) {
  const t = await imServer(options);
  stop = t.stop;
  return t;
}

const bodies = (session: { received: Element[] }) =>
  session.received
    .filter((s) => s.name === "message" && s.attrs.type !== "error")
    .map((s) => s.getChildText("body"));
const errorsOf = (session: { received: Element[] }) =>
  session.received.filter((s) => s.attrs.type === "error").map((s) => getError(s)?.condition);

describe("messages to a bare JID (RFC 6121 §8.5.2)", () => {
  it("go to the available resources of highest priority, never to negative ones", async () => {
    const t = await server();
    const sender = await login(t, "sender@localhost/x");
    const high = await login(t, "alice@localhost/high", 5);
    const high2 = await login(t, "alice@localhost/high2", 5);
    const low = await login(t, "alice@localhost/low", 1);
    const negative = await login(t, "alice@localhost/neg", -1);
    const unavailable = t.connect("alice@localhost/idle");
    clear(high, high2, low, negative, unavailable);

    await sender.process(message({ to: "alice@localhost", type: "chat" }, "hi"));
    await sender.process(message({ to: "alice@localhost" }, "normal"));
    expect(bodies(high)).toEqual(["hi", "normal"]);
    expect(bodies(high2)).toEqual(["hi", "normal"]);
    expect(bodies(low)).toEqual([]);
    expect(bodies(negative)).toEqual([]);
    expect(bodies(unavailable)).toEqual([]);
  });

  it("deliver headlines to every non-negative available resource and drop them when none is", async () => {
    const t = await server();
    const sender = await login(t, "sender@localhost/x");
    const a = await login(t, "alice@localhost/a", 5);
    const b = await login(t, "alice@localhost/b", 0);
    const n = await login(t, "alice@localhost/n", -5);
    clear(a, b, n, sender);
    await sender.process(message({ to: "alice@localhost", type: "headline" }, "news"));
    expect([bodies(a), bodies(b), bodies(n)]).toEqual([["news"], ["news"], []]);
    await sender.process(message({ to: "nobody@localhost", type: "headline" }, "news"));
    expect(sender.received).toEqual([]);
  });

  it("bounce groupchat messages with service-unavailable and never answer errors", async () => {
    const t = await server();
    const sender = await login(t, "sender@localhost/x");
    const alice = await login(t, "alice@localhost/a");
    clear(alice, sender);
    await sender.process(message({ to: "alice@localhost", type: "groupchat", id: "g" }, "room?"));
    await sender.process(message({ to: "alice@localhost/a", type: "groupchat", id: "g2" }, "room?"));
    await sender.process(message({ to: "bob@localhost", type: "error", id: "e" }));
    expect(bodies(alice)).toEqual(["room?"]); // to the full JID of an online resource it is delivered
    expect(errorsOf(sender)).toEqual(["service-unavailable"]);
  });

  it("treat only a message to the user's own bare JID as addressed to all their resources", async () => {
    const t = await server();
    const phone = await login(t, "alice@localhost/phone");
    const laptop = await login(t, "alice@localhost/laptop");
    clear(phone, laptop);
    await phone.process(message({ to: "alice@localhost", type: "chat" }, "note to self"));
    expect(bodies(phone)).toEqual(["note to self"]);
    expect(bodies(laptop)).toEqual(["note to self"]);
  });

  it("with no available resource and no offline storage, bounce with service-unavailable", async () => {
    const t = await server({ modules: ["roster", "presence", "message"] });
    const sender = await login(t, "sender@localhost/x");
    t.connect("alice@localhost/idle"); // connected, not available
    clear(sender);
    await sender.process(message({ to: "alice@localhost", type: "chat", id: "m1" }, "hello?"));
    expect(errorsOf(sender)).toEqual(["service-unavailable"]);
    expect(sender.received[0]?.attrs).toMatchObject({ from: "alice@localhost", id: "m1" });
  });

  it("to users that don't exist, bounce with service-unavailable and store nothing", async () => {
    const t = await server({ extra: { fake_auth: fakeAuth(["sender"]) } });
    const sender = await login(t, "sender@localhost/x");
    clear(sender);
    await sender.process(message({ to: "ghost@localhost", type: "chat" }, "boo"));
    expect(errorsOf(sender)).toEqual(["service-unavailable"]);
    const archive = await t.server.storage.open("localhost", "offline", "archive");
    expect((await archive.find("ghost")).items).toEqual([]);
  });
});

describe("messages to a full JID (RFC 6121 §8.5.3)", () => {
  it("go to that resource only, whatever its priority or availability", async () => {
    const t = await server();
    const sender = await login(t, "sender@localhost/x");
    const high = await login(t, "alice@localhost/high", 10);
    const neg = await login(t, "alice@localhost/neg", -1);
    clear(high, neg);
    await sender.process(message({ to: "alice@localhost/neg", type: "chat" }, "direct"));
    expect(bodies(neg)).toEqual(["direct"]);
    expect(bodies(high)).toEqual([]);
  });

  it("to a resource that is gone: chat and normal go to the bare JID, headlines are dropped, groupchat bounced", async () => {
    const t = await server();
    const sender = await login(t, "sender@localhost/x");
    const phone = await login(t, "alice@localhost/phone");
    clear(phone, sender);
    await sender.process(message({ to: "alice@localhost/gone", type: "chat" }, "chat"));
    await sender.process(message({ to: "alice@localhost/gone" }, "normal"));
    await sender.process(message({ to: "alice@localhost/gone", type: "headline" }, "headline"));
    await sender.process(message({ to: "alice@localhost/gone", type: "groupchat" }, "groupchat"));
    expect(bodies(phone)).toEqual(["chat", "normal"]);
    expect(errorsOf(sender)).toEqual(["service-unavailable"]);
  });
});

describe("stanzas no handler takes (RFC 6120 §8.3, RFC 6121 §8.5)", () => {
  it("answers IQs to users and offline resources with service-unavailable, and drops results and errors", async () => {
    const t = await server();
    const alice = await login(t, "alice@localhost/phone");
    await login(t, "bob@localhost/desk");
    clear(alice);
    await alice.process(
      iq({ type: "get", id: "q1", to: "bob@localhost" }).c("query", { xmlns: "urn:x:unknown" }).root(),
    );
    await alice.process(
      iq({ type: "get", id: "q2", to: "bob@localhost/gone" }).c("query", { xmlns: "urn:x" }).root(),
    );
    await alice.process(iq({ type: "set", id: "q3", to: "localhost" }).c("query", { xmlns: "urn:x" }).root());
    await alice.process(iq({ type: "result", id: "q4", to: "bob@localhost/gone" }));
    await alice.process(iq({ type: "error", id: "q5", to: "localhost" }));
    expect(alice.received.map((s) => [s.attrs.id, getError(s)?.condition])).toEqual([
      ["q1", "service-unavailable"],
      ["q2", "service-unavailable"],
      ["q3", "service-unavailable"],
    ]);
  });

  it("answers messages to other domains with an error naming why, since nothing routes them", async () => {
    const t = await server();
    const alice = await login(t, "alice@localhost/phone");
    clear(alice);
    await alice.process(message({ to: "bob@elsewhere.example", type: "chat" }, "hi"));
    expect(errorsOf(alice)).toEqual(["not-allowed"]);
  });

  it("ignores available and unavailable presence for users with no resource (§8.5.2.2.3)", async () => {
    const t = await server();
    const alice = await login(t, "alice@localhost/phone");
    clear(alice);
    await alice.process(presence({ to: "nobody@localhost" }));
    await alice.process(presence({ to: "nobody@localhost/r", type: "unavailable" }));
    expect(alice.received).toEqual([]);
  });
});

describe("topResources", () => {
  it("picks every session at the highest non-negative priority", () => {
    const s = (priority?: number) => ({ type: "c2s", host: "h", priority, send: () => true });
    const [a, b, c, d] = [s(1), s(3), s(3), s(-1)];
    expect(topResources([a, b, c, d])).toEqual([b, c]);
    expect(topResources([d])).toEqual([]);
    expect(topResources([s(undefined)]).length).toBe(1);
  });
});
