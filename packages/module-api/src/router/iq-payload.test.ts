import { type Element, iq } from "@canto/stanza";
import { afterEach, describe, expect, it } from "vitest";
import { createTestServer, type TestServer } from "../testing.js";
import type { Session } from "./session.js";

let current: TestServer | undefined;
afterEach(async () => {
  await current?.stop();
  current = undefined;
});

async function server() {
  const t = await createTestServer({
    config: { hosts: { localhost: {} }, components: { "comp.localhost": {} } },
  });
  current = t;
  const handled: string[] = [];
  t.server.host("localhost")!.events.hook("iq-get/host/urn:xmpp:ping:ping", (event) => {
    handled.push((event as { stanza: Element }).stanza.attrs.id as string);
    return true;
  });
  return { t, handled };
}

function twoChildren(attrs: { id: string; from?: string; to: string }): Element {
  return iq({ type: "get", ...attrs })
    .c("ping", { xmlns: "urn:xmpp:ping" })
    .up()
    .c("query", { xmlns: "http://jabber.org/protocol/disco#info" })
    .root();
}

function errorCondition(stanza: Element | undefined): string | undefined {
  const error = stanza?.getChild("error");
  const condition = error?.children.find((c) => typeof c === "object") as Element | undefined;
  return stanza?.attrs.type === "error" ? `${error?.attrs.type} ${condition?.name}` : undefined;
}

describe("IQ payload count (RFC 6120 §8.2.3)", () => {
  it("answers a client's get with two children bad-request, and no handler sees it", async () => {
    const { t, handled } = await server();
    const alice = t.connect("alice@localhost/phone");
    await alice.process(twoChildren({ id: "two", to: "localhost" }));
    expect(errorCondition(alice.received.at(-1))).toBe("modify bad-request");
    expect(alice.received.at(-1)?.attrs.id).toBe("two");
    expect(handled).toEqual([]);
  });

  it("answers a set with no child bad-request, and lets one child with whitespace around it through", async () => {
    const { t, handled } = await server();
    const alice = t.connect("alice@localhost/phone");
    await alice.process(iq({ type: "set", id: "none", to: "localhost" }));
    expect(errorCondition(alice.received.at(-1))).toBe("modify bad-request");
    const one = iq({ type: "get", id: "one", to: "localhost" });
    one.t("\n  ");
    one.c("ping", { xmlns: "urn:xmpp:ping" }).up().t("\n");
    await alice.process(one);
    expect(handled).toEqual(["one"]);
  });

  it("leaves results and errors alone, whatever they carry", async () => {
    const { t } = await server();
    const alice = t.connect("alice@localhost/phone");
    await alice.process(iq({ type: "result", id: "r", to: "localhost" }));
    expect(alice.received).toEqual([]);
  });

  it("refuses it from a server and from a component too, as Prosody's router does", async () => {
    const { t, handled } = await server();
    for (const [type, from, host] of [
      ["s2sin", "bob@remote.example/desk", "localhost"],
      ["component", "comp.localhost", "comp.localhost"],
    ] as const) {
      const sent: Element[] = [];
      const peer: Session = { type, host, send: (stanza) => sent.push(stanza) };
      await t.server.router.process(peer, twoChildren({ id: type, from, to: "localhost" }));
      expect(errorCondition(sent[0]), type).toBe("modify bad-request");
      expect(sent[0]?.attrs.to, type).toBe(from);
    }
    expect(handled).toEqual([]);
  });
});
