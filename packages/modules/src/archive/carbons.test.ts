import { Element, type LocalSession, message, type TestServer } from "canto";
import { afterEach, describe, expect, it } from "vitest";
import { archiveServer, ask, chat, online } from "./archive.test-helper.js";
import { NS_CARBONS, NS_STANZA_ID } from "./util.js";

let running: TestServer | undefined;
afterEach(async () => {
  await running?.stop();
  running = undefined;
});

async function server(modules?: string[]) {
  running = await archiveServer({}, modules);
  return running;
}

async function enable(session: LocalSession, on = true): Promise<void> {
  const answer = await ask(session, "set", new Element(on ? "enable" : "disable", { xmlns: NS_CARBONS }));
  expect(answer.attrs.type).toBe("result");
  session.received.length = 0;
}

/** `sent|received: body` for each carbon a session got; `direct: body` for plain messages. */
function got(session: LocalSession): string[] {
  return session.received
    .filter((s) => s.name === "message")
    .map((s) => {
      for (const kind of ["sent", "received"]) {
        const inner = s
          .getChild(kind, NS_CARBONS)
          ?.getChild("forwarded", "urn:xmpp:forward:0")
          ?.getChild("message");
        if (inner !== undefined) return `${kind}: ${inner.getChildText("body")}`;
      }
      return `direct: ${s.getChildText("body")}`;
    });
}

/** alice on phone and laptop with carbons enabled on both, bob on his desk. */
async function setup(t: TestServer, priorities: [number, number] = [0, 0]) {
  const phone = await online(t, "alice@localhost/phone", priorities[0]);
  const laptop = await online(t, "alice@localhost/laptop", priorities[1]);
  const bob = await online(t, "bob@localhost/desk");
  await enable(phone);
  await enable(laptop);
  return { phone, laptop, bob };
}

describe("carbons", () => {
  it("copies a message received on one resource to the others as <received/>", async () => {
    const t = await server();
    const { phone, laptop, bob } = await setup(t);
    await chat(bob, "alice@localhost/phone", "to your phone");
    expect(got(phone)).toEqual(["direct: to your phone"]);
    expect(got(laptop)).toEqual(["received: to your phone"]);
    const carbon = laptop.received[0]!;
    expect(carbon.attrs).toMatchObject({
      from: "alice@localhost",
      to: "alice@localhost/laptop",
      type: "chat",
    });
    const inner = carbon.getChild("received", NS_CARBONS)!.getChild("forwarded")!.getChild("message")!;
    expect(inner.attrs).toMatchObject({ from: "bob@localhost/desk", to: "alice@localhost/phone" });
    // mam runs first, so the copy carries the archive id too.
    expect(inner.getChild("stanza-id", NS_STANZA_ID)?.attrs.by).toBe("alice@localhost");
  });

  it("copies a message to the bare JID only to resources that routing skipped", async () => {
    const t = await server();
    const { phone, laptop, bob } = await setup(t, [5, 1]);
    await chat(bob, "alice@localhost", "to alice");
    expect(got(phone)).toEqual(["direct: to alice"]);
    expect(got(laptop)).toEqual(["received: to alice"]);
  });

  it("copies what a resource sends to the other resources as <sent/>", async () => {
    const t = await server();
    const { phone, laptop, bob } = await setup(t);
    await chat(phone, "bob@localhost", "from my phone");
    expect(got(bob)).toEqual(["direct: from my phone"]);
    expect(got(phone)).toEqual([]);
    expect(got(laptop)).toEqual(["sent: from my phone"]);
    const inner = laptop.received[0]!.getChild("sent", NS_CARBONS)!
      .getChild("forwarded")!
      .getChild("message")!;
    expect(inner.attrs).toMatchObject({ from: "alice@localhost/phone", to: "bob@localhost" });
  });

  it("copies normal messages with a body, but not headlines or bodiless normal messages", async () => {
    const t = await server();
    const { phone, laptop, bob } = await setup(t);
    await bob.process(message({ to: "alice@localhost/phone" }, "normal"));
    await bob.process(message({ to: "alice@localhost/phone", type: "headline" }, "news"));
    await bob.process(
      message({ to: "alice@localhost/phone" }).c("ping", { xmlns: "urn:example:ping" }).root(),
    );
    expect(got(phone)).toHaveLength(3);
    expect(got(laptop)).toEqual(["received: normal"]);
  });

  it("does not copy messages marked <private/>, on either side, and strips the marker on delivery", async () => {
    const t = await server();
    const { phone, laptop, bob } = await setup(t);
    await phone.process(
      message({ to: "bob@localhost", type: "chat" }, "psst").c("private", { xmlns: NS_CARBONS }).root(),
    );
    expect(got(laptop)).toEqual([]);
    expect(got(bob)).toEqual(["direct: psst"]);
    expect(bob.received[0]!.getChild("private", NS_CARBONS)).toBeUndefined();

    await bob.process(
      message({ to: "alice@localhost/phone", type: "chat" }, "psst back")
        .c("private", { xmlns: NS_CARBONS })
        .root(),
    );
    expect(got(phone)).toEqual(["direct: psst back"]);
    expect(got(laptop)).toEqual([]);
  });

  it("respects the <no-copy/> hint", async () => {
    const t = await server();
    const { phone, laptop, bob } = await setup(t);
    await bob.process(
      message({ to: "alice@localhost/phone", type: "chat" }, "once")
        .c("no-copy", { xmlns: "urn:xmpp:hints" })
        .root(),
    );
    await phone.process(
      message({ to: "bob@localhost", type: "chat" }, "once too")
        .c("no-copy", { xmlns: "urn:xmpp:hints" })
        .root(),
    );
    expect(got(phone)).toEqual(["direct: once"]);
    expect(got(laptop)).toEqual([]);
  });

  it("sends nothing to resources that never enabled carbons or disabled them", async () => {
    const t = await server();
    const { phone, laptop, bob } = await setup(t);
    const tablet = await online(t, "alice@localhost/tablet");
    await enable(laptop, false);
    await chat(bob, "alice@localhost/phone", "just the phone");
    await chat(phone, "bob@localhost", "reply");
    expect(got(laptop)).toEqual([]);
    expect(got(tablet)).toEqual([]);
    await enable(laptop);
    await chat(phone, "bob@localhost", "again");
    expect(got(laptop)).toEqual(["sent: again"]);
  });

  it("keeps the sessions that enabled carbons through a reload of the module", async () => {
    const t = await server();
    const { phone, laptop, bob } = await setup(t);
    await t.server.manager.reload("localhost", "carbons");
    await chat(bob, "alice@localhost/phone", "still copied");
    expect(got(phone)).toEqual(["direct: still copied"]);
    expect(got(laptop)).toEqual(["received: still copied"]);
  });

  it("announces urn:xmpp:carbons:2 on the host", async () => {
    const t = await server(["roster", "presence", "message", "disco", "carbons"]);
    const alice = await online(t, "alice@localhost/phone");
    const query = new Element("query", { xmlns: "http://jabber.org/protocol/disco#info" });
    alice.received.length = 0;
    await alice.process(new Element("iq", { type: "get", id: "d", to: "localhost" }).cnode(query).root());
    const features = alice.received[0]
      ?.getChild("query", "http://jabber.org/protocol/disco#info")
      ?.getChildren("feature")
      .map((f) => f.attrs.var);
    expect(features).toContain(NS_CARBONS);
  });
});
