import { type Element, parse } from "ltx";
import { describe, expect, it } from "vitest";
import { childHosts, hostItems, parseDiscoItems } from "./items.js";
import { NS_DISCO_ITEMS } from "./namespaces.js";

function query(node?: string): Element {
  const n = node === undefined ? "" : ` node="${node}"`;
  return parse(
    `<iq type="get" id="i1" from="juliet@example.com/balcony" to="example.com"><query xmlns="${NS_DISCO_ITEMS}"${n}/></iq>`,
  );
}

const items = (reply: Element) =>
  reply
    .getChild("query", NS_DISCO_ITEMS)!
    .getChildren("item")
    .map((i) => ({ ...i.attrs }));

describe("hostItems", () => {
  it("answers with an empty list by default", () => {
    const reply = hostItems(query()) as Element;
    expect(reply.attrs).toEqual({
      type: "result",
      id: "i1",
      from: "example.com",
      to: "juliet@example.com/balcony",
    });
    expect(reply.children.map(String)).toEqual([`<query xmlns="${NS_DISCO_ITEMS}"/>`]);
  });

  it("lists the extension point's items, then child components, then configured items", () => {
    const reply = hostItems(query(), {
      onItems: ({ query: q }) => {
        q.c("item", { jid: "pubsub.example.com" });
      },
      childComponents: () => [{ jid: "conference.example.com", name: "Chatrooms" }],
      items: [{ jid: "irc.example.net", name: "IRC" }, { jid: "plain.example.net" }],
    }) as Element;
    expect(items(reply)).toEqual([
      { jid: "pubsub.example.com" },
      { jid: "conference.example.com", name: "Chatrooms" },
      { jid: "irc.example.net", name: "IRC" },
      { jid: "plain.example.net", name: undefined, node: undefined },
    ]);
  });

  it("stops when the extension point answers itself", async () => {
    let asked = false;
    const own = parse('<iq type="result" id="i1"/>');
    const reply = hostItems(query(), {
      onItems: () => own,
      childComponents: () => {
        asked = true;
        return [];
      },
    });
    expect(reply).toBe(own);
    expect(asked).toBe(false);
    const later = await hostItems(query(), { onItems: async () => undefined, items: [{ jid: "a.example" }] });
    expect(items(later)).toHaveLength(1);
  });

  it("sends nodes to onNode, and item-not-found without it", async () => {
    const missing = hostItems(query("urn:x")) as Element;
    expect(missing.attrs.type).toBe("error");
    expect(missing.getChild("error")?.getChild("item-not-found")).toBeDefined();
    const reply = (await hostItems(query("rooms"), {
      onNode: async ({ query: q }) => {
        q.c("item", { jid: "room@conference.example.com" });
        return { exists: true };
      },
    })) as Element;
    expect(reply.getChild("query")?.attrs.node).toBe("rooms");
    expect(items(reply)).toEqual([{ jid: "room@conference.example.com" }]);
  });

  it("treats node='' as no node", () => {
    expect((hostItems(query(""), { items: [{ jid: "a.example" }] }) as Element).attrs.type).toBe("result");
  });
});

describe("childHosts", () => {
  it("lists hosts one label below, with their names, skipping hidden ones", () => {
    expect(
      childHosts("example.com", [
        { host: "example.com" },
        { host: "conference.example.com", name: "Chatrooms" },
        { host: "upload.example.com" },
        { host: "secret.example.com", hidden: true },
        { host: "deep.conference.example.com" },
        { host: "example.org" },
        { host: "localhost" },
      ]),
    ).toEqual([{ jid: "conference.example.com", name: "Chatrooms" }, { jid: "upload.example.com" }]);
  });
});

describe("parseDiscoItems", () => {
  it("reads Prosody's pairs and objects", () => {
    expect(
      parseDiscoItems([["irc.example.net", "IRC"], ["plain.example.net"], { jid: "x.example", name: "X" }]),
    ).toEqual([
      { jid: "irc.example.net", name: "IRC" },
      { jid: "plain.example.net" },
      { jid: "x.example", name: "X" },
    ]);
    expect(parseDiscoItems(undefined)).toEqual([]);
  });

  it("rejects the whole option for one bad entry (bad-disco-items)", () => {
    const bad = expect.objectContaining({ code: "bad-disco-items" });
    expect(() => parseDiscoItems([["ok.example"], "nope"])).toThrow(bad);
    expect(() => parseDiscoItems([[42, "name"]])).toThrow(bad);
    expect(() => parseDiscoItems([["a.example", 7]])).toThrow(bad);
    expect(() => parseDiscoItems("a.example")).toThrow(bad);
  });
});
