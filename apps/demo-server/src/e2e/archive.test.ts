// Message archive (XEP-0313 with XEP-0059 paging) and carbons (XEP-0280) through @xmpp/client
// against `canto start`.
import { describe, expect, it } from "vitest";
import { connect, iqErrorCondition, type TestClient, type XmlElement, xml } from "./clients.js";
import { serverFixture } from "./fixture.js";
import { LOGIN_MODULES } from "./harness.js";

const MAM = "urn:xmpp:mam:2";
const RSM = "http://jabber.org/protocol/rsm";
const CARBONS = "urn:xmpp:carbons:2";
const FORWARD = "urn:xmpp:forward:0";

interface Page {
  bodies: string[];
  first?: string;
  last?: string;
  count?: number;
  complete: boolean;
}

let queries = 0;

/** One MAM query with an RSM set; the page's messages in the order they arrived. */
async function page(client: TestClient, rsm: XmlElement[], options: { with?: string; flip?: boolean } = {}) {
  const queryid = `q${++queries}`;
  const fields =
    options.with === undefined
      ? undefined
      : xml(
          "x",
          { xmlns: "jabber:x:data", type: "submit" },
          xml("field", { var: "FORM_TYPE", type: "hidden" }, xml("value", {}, MAM)),
          xml("field", { var: "with" }, xml("value", {}, options.with)),
        );
  const query = xml(
    "query",
    { xmlns: MAM, queryid },
    ...(fields === undefined ? [] : [fields]),
    xml("set", { xmlns: RSM }, ...rsm),
    ...(options.flip ? [xml("flip-page")] : []),
  );
  const result = await client.iq("set", undefined, query);
  const bodies = client.received
    .filter((s) => s.getChild("result", MAM)?.attrs.queryid === queryid)
    .map((s) =>
      s.getChild("result", MAM)?.getChild("forwarded", FORWARD)?.getChild("message")?.getChildText("body"),
    )
    .filter((body): body is string => typeof body === "string");
  const fin = result.getChild("fin", MAM);
  const set = fin?.getChild("set", RSM);
  const count = set?.getChildText("count");
  return {
    bodies,
    first: set?.getChildText("first") ?? undefined,
    last: set?.getChildText("last") ?? undefined,
    count: count == null ? undefined : Number(count),
    complete: fin?.attrs.complete === "true",
  } satisfies Page;
}

const max = (n: number) => xml("max", {}, String(n));

describe("archive and carbons, driven by @xmpp/client", () => {
  const t = serverFixture(
    {
      modules_enabled: [...LOGIN_MODULES, "disco", "mam", "carbons"],
      hosts: { localhost: {} },
    },
    { users: ["alice@localhost", "bob@localhost", "carol@localhost"], cleanExit: true },
  );
  const login = async (username: string, resource: string) =>
    t.track(await connect({ port: t.server.port, username, password: `${username}-pw`, resource }));

  it("pages through the archive forwards and backwards with RSM, by contact, and flips a page", {
    timeout: 60_000,
  }, async () => {
    const alice = await login("alice", "desk");
    const bob = await login("bob", "phone");
    const carol = await login("carol", "laptop");
    // Seven messages with bob, alternating directions, and one from carol in the middle.
    const expected: string[] = [];
    for (let i = 1; i <= 7; i++) {
      const body = `m${i}`;
      expected.push(body);
      const [from, to, toClient] =
        i % 2 === 1 ? [alice, "bob@localhost", bob] : [bob, "alice@localhost", alice];
      await from.xmpp.send(xml("message", { to, type: "chat" }, xml("body", {}, body)));
      await toClient.waitFor((s) => s.is("message") && s.getChildText("body") === body);
      if (i === 4) {
        await carol.xmpp.send(
          xml("message", { to: "alice@localhost", type: "chat" }, xml("body", {}, "carol")),
        );
        await alice.waitFor((s) => s.is("message") && s.getChildText("body") === "carol");
      }
    }

    // Forwards, three at a time, until the server says the last page is complete.
    const forwards: string[] = [];
    let after: string | undefined;
    const pages: Page[] = [];
    for (let i = 0; i < 5; i++) {
      const p = await page(alice, [max(3), ...(after === undefined ? [] : [xml("after", {}, after)])], {
        with: "bob@localhost",
      });
      pages.push(p);
      forwards.push(...p.bodies);
      if (p.complete) break;
      after = p.last;
    }
    expect(forwards).toEqual(expected);
    expect(pages.map((p) => p.bodies.length)).toEqual([3, 3, 1]);
    expect(pages.map((p) => p.complete)).toEqual([false, false, true]);
    expect(pages[0]?.count).toBe(7);

    // Backwards from the end: an empty <before/> gives the last page, then <before>first</before>.
    const last = await page(alice, [max(3), xml("before")], { with: "bob@localhost" });
    expect(last.bodies).toEqual(["m5", "m6", "m7"]);
    const previous = await page(alice, [max(3), xml("before", {}, last.first ?? "")], {
      with: "bob@localhost",
    });
    expect(previous.bodies).toEqual(["m2", "m3", "m4"]);
    const oldest = await page(alice, [max(3), xml("before", {}, previous.first ?? "")], {
      with: "bob@localhost",
    });
    expect(oldest.bodies).toEqual(["m1"]);
    expect(oldest.complete).toBe(true);

    // Without `with`, carol's message is in the archive too; flip-page sends newest first.
    const everything = await page(alice, [max(50)]);
    expect(everything.bodies).toEqual([...expected.slice(0, 4), "carol", ...expected.slice(4)]);
    const flipped = await page(alice, [max(2), xml("before")], { flip: true });
    expect(flipped.bodies).toEqual(["m7", "m6"]);
    // An unknown anchor is an error, not an empty page.
    expect(await iqErrorCondition(page(alice, [max(3), xml("after", {}, "no-such-id")]))).toBe(
      "item-not-found",
    );
  });

  it("copies messages between two resources of one account with carbons", { timeout: 60_000 }, async () => {
    const phone = await login("carol", "phone");
    const tablet = await login("carol", "tablet");
    const bob = await login("bob", "desk");
    for (const c of [phone, tablet]) await c.iq("set", undefined, xml("enable", { xmlns: CARBONS }));

    // carol's phone writes to bob: the tablet gets a <sent/> copy.
    await phone.xmpp.send(
      xml("message", { to: "bob@localhost/desk", type: "chat" }, xml("body", {}, "from phone")),
    );
    const sent = await tablet.waitFor((s) => s.getChild("sent", CARBONS) !== undefined);
    expect(sent.attrs.from).toBe("carol@localhost");
    const sentCopy = sent.getChild("sent", CARBONS)?.getChild("forwarded", FORWARD)?.getChild("message");
    expect(sentCopy?.attrs.from).toBe("carol@localhost/phone");
    expect(sentCopy?.getChildText("body")).toBe("from phone");

    // bob answers the phone's full JID: the tablet gets a <received/> copy, the phone the message.
    await bob.xmpp.send(
      xml("message", { to: "carol@localhost/phone", type: "chat" }, xml("body", {}, "to phone")),
    );
    await phone.waitFor((s) => s.is("message") && s.getChildText("body") === "to phone");
    const received = await tablet.waitFor((s) => s.getChild("received", CARBONS) !== undefined);
    const receivedCopy = received
      .getChild("received", CARBONS)
      ?.getChild("forwarded", FORWARD)
      ?.getChild("message");
    expect(receivedCopy?.attrs.to).toBe("carol@localhost/phone");
    expect(receivedCopy?.getChildText("body")).toBe("to phone");

    // A <private/> message is not copied; after disabling, nothing is.
    await bob.xmpp.send(
      xml(
        "message",
        { to: "carol@localhost/phone", type: "chat" },
        xml("body", {}, "private"),
        xml("private", { xmlns: CARBONS }),
      ),
    );
    await phone.waitFor((s) => s.is("message") && s.getChildText("body") === "private");
    await tablet.iq("set", undefined, xml("disable", { xmlns: CARBONS }));
    await bob.xmpp.send(
      xml("message", { to: "carol@localhost/phone", type: "chat" }, xml("body", {}, "after")),
    );
    await phone.waitFor((s) => s.is("message") && s.getChildText("body") === "after");
    // A ping round trip: anything the server meant for the tablet has arrived before its answer.
    await tablet.iq("get", "localhost", xml("ping", { xmlns: "urn:xmpp:ping" })).catch(() => undefined);
    const copies = tablet.received.filter((s) => s.getChild("received", CARBONS) !== undefined);
    expect(copies).toHaveLength(1);
  });
});
