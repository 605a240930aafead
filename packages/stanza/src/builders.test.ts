import { Element } from "ltx";
import { describe, expect, it } from "vitest";
import { clone, errorReply, iq, message, presence, reply } from "./builders.js";
import { NS_XMPP_STANZAS } from "./conditions.js";
import { getError, StanzaError } from "./errors.js";

// Cases follow Prosody's spec/util_stanza_spec.lua.

describe("builders", () => {
  it("message() and presence() build their stanzas, leaving undefined attributes out", () => {
    expect(message().toString()).toBe("<message/>");
    expect(message({ to: "a@b", type: "chat", id: undefined }, "Hello").toString()).toBe(
      '<message to="a@b" type="chat"><body>Hello</body></message>',
    );
    expect(presence({ type: "unavailable" }).name).toBe("presence");
  });

  it("iq() builds an IQ with id and type", () => {
    const i = iq({ type: "get", id: "foo" });
    expect(i.name).toBe("iq");
    expect(i.attrs).toEqual({ type: "get", id: "foo" });
  });

  it("iq() refuses a missing attributes object, id or type", () => {
    expect(() => (iq as (a?: unknown) => Element)()).toThrow(/attributes/);
    expect(() => iq({ type: "get" } as never)).toThrow(/id attribute/);
    expect(() => iq({ id: "foo" } as never)).toThrow(/type attribute/);
  });

  it("chains with ltx's c(), t() and up()", () => {
    const s = iq({ type: "set", id: "1" })
      .c("query", { xmlns: "jabber:iq:roster" })
      .c("item", { jid: "romeo@example.net" })
      .c("group")
      .t("Friends")
      .up()
      .up()
      .up();
    expect(s.toString()).toBe(
      '<iq type="set" id="1"><query xmlns="jabber:iq:roster"><item jid="romeo@example.net"><group>Friends</group></item></query></iq>',
    );
    expect(s).toBeInstanceOf(Element);
  });
});

describe("reply()", () => {
  const s = new Element("s", { to: "touser", from: "fromuser", id: "123" });
  s.c("child1");

  it("swaps to and from, keeps name and id, drops the children", () => {
    const r = reply(s);
    expect(r.name).toBe("s");
    expect(r.attrs).toEqual({ to: "fromuser", from: "touser", id: "123" });
    expect(r.children).toEqual([]);
  });

  for (const type of ["get", "set"]) {
    it(`answers <iq type='${type}'> with type result`, () => {
      const q = iq({ to: "touser", from: "fromuser", id: "123", type });
      q.c("child1");
      const r = reply(q);
      expect(r.attrs).toEqual({ to: "fromuser", from: "touser", id: "123", type: "result" });
      expect(r.children).toEqual([]);
    });
  }

  it("keeps the type of other stanzas", () => {
    expect(reply(message({ type: "chat", from: "a" })).attrs).toEqual({ to: "a", type: "chat" });
  });

  it("refuses things that are not stanzas", () => {
    expect(() => reply("a stanza" as never)).toThrow(/expected stanza/);
    expect(() => reply({ name: "x" } as never)).toThrow(/expected stanza/);
  });
});

describe("errorReply()", () => {
  it("builds an error reply for <s> with by", () => {
    const s = new Element("s", { to: "touser", from: "fromuser", id: "123" });
    s.c("child1");
    const r = errorReply(s, "cancel", "service-unavailable", undefined, "host");
    expect(r.name).toBe("s");
    expect(r.attrs).toEqual({ to: "fromuser", from: "touser", id: "123", type: "error" });
    const error = r.getChild("error")!;
    expect(r.getChildElements()).toHaveLength(1);
    expect(error.getChildElements()[0]!.name).toBe("service-unavailable");
    expect(error.attrs.by).toBe("host");
  });

  it("builds an error reply for <iq get>, in RFC 6120's shape", () => {
    const q = iq({ to: "touser", from: "fromuser", id: "123", type: "get" });
    const r = errorReply(q, "cancel", "service-unavailable", "No such thing");
    expect(r.toString()).toBe(
      `<iq to="fromuser" from="touser" id="123" type="error"><error type="cancel">` +
        `<service-unavailable xmlns="${NS_XMPP_STANZAS}"/><text xmlns="${NS_XMPP_STANZAS}">No such thing</text>` +
        "</error></iq>",
    );
  });

  it("leaves out by when it is the replying entity itself", () => {
    const r = errorReply(
      iq({ to: "host", id: "1", type: "get" }),
      "cancel",
      "item-not-found",
      undefined,
      "host",
    );
    expect(r.getChild("error")!.attrs.by).toBeUndefined();
  });

  it("takes the condition's RFC 6120 type when no type is given", () => {
    expect(errorReply(message(), undefined, "bad-request").getChild("error")!.attrs.type).toBe("modify");
    expect(errorReply(message(), undefined, "forbidden").getChild("error")!.attrs.type).toBe("auth");
  });

  it("refuses non-stanzas and stanzas of type error", () => {
    expect(() => errorReply("x" as never, "modify", "bad-request")).toThrow(/expected stanza/);
    expect(() => errorReply(message({ type: "error" }), "cancel", "conflict")).toThrow(/type error/);
    expect(() =>
      errorReply(errorReply(message({ type: "chat" }), "modify", "forbidden"), "cancel", "conflict"),
    ).toThrow(/type error/);
  });

  it("accepts a StanzaError, taking its type, condition, text and by", () => {
    const s = message({ to: "touser", from: "fromuser", id: "123", type: "chat" }, "Hello");
    const e = new StanzaError({
      type: "modify",
      condition: "not-acceptable",
      text: "Bork bork bork",
      by: "this.test",
    });
    const r = errorReply(s, e);
    expect(r.attrs).toEqual({ to: "fromuser", from: "touser", id: "123", type: "error" });
    const error = r.getChild("error")!;
    expect(error.attrs).toEqual({ type: "modify", by: "this.test" });
    expect(error.getChildElements()[0]!.name).toBe("not-acceptable");
    expect(error.getChildText("text", NS_XMPP_STANZAS)).toBe("Bork bork bork");
  });

  it("writes extra.uri into <gone/>", () => {
    const r = errorReply(
      message({ from: "a" }),
      new StanzaError({ condition: "gone", extra: { uri: "file:///dev/null" } }),
    );
    expect(r.getChild("error")!.getChild("gone")!.getText()).toBe("file:///dev/null");
  });

  it("adds an application-specific condition from extra", () => {
    const s = message({ from: "a" });
    const r = errorReply(
      s,
      new StanzaError({
        condition: "internal-server-error",
        text: "Namespaced thing happened",
        extra: { namespace: "xmpp:example.test", condition: "this-happened" },
      }),
    );
    const third = r.getChild("error")!.getChildElements()[2]!;
    expect(third.name).toBe("this-happened");
    expect(third.attrs.xmlns).toBe("xmpp:example.test");

    const tag = new Element("that-happened", { xmlns: "xmpp:example.test", "another-attribute": "here" });
    const r2 = errorReply(
      s,
      new StanzaError({ condition: "internal-server-error", text: "x", extra: { tag } }),
    );
    const third2 = r2.getChild("error")!.getChildElements()[2]!;
    expect(third2.is("that-happened", "xmpp:example.test")).toBe(true);
    expect(third2.attrs["another-attribute"]).toBe("here");
  });
});

describe("getError()", () => {
  it("reads type, condition, text and an application element", () => {
    const e = errorReply(message(), "cancel", "not-acceptable", "UNACCEPTABLE");
    e.getChild("error")!.c("dungeon", { xmlns: "urn:example:dungeon", period: "1000000years" });
    const info = getError(e)!;
    expect(info.type).toBe("cancel");
    expect(info.condition).toBe("not-acceptable");
    expect(info.text).toBe("UNACCEPTABLE");
    expect(info.extra?.tag?.name).toBe("dungeon");
  });

  it("gives no extra when there is none, and undefined without <error>", () => {
    const info = getError(errorReply(message(), "cancel", "not-acceptable", "x"))!;
    expect(info.extra).toBeUndefined();
    expect(getError(message())).toBeUndefined();
  });

  it("defaults the condition to undefined-condition", () => {
    const s = message({ type: "error" });
    s.c("error", { type: "cancel" });
    expect(getError(s)!.condition).toBe("undefined-condition");
  });

  it("reads the URI of <redirect/>", () => {
    const r = errorReply(
      message(),
      new StanzaError({ condition: "redirect", extra: { uri: "xmpp:other@example" } }),
    );
    expect(getError(r)!.extra).toEqual({ uri: "xmpp:other@example" });
  });
});

describe("clone()", () => {
  it("copies attributes and children deeply, so changes to the copy leave the original alone", () => {
    const original = message({ to: "a@x", type: "chat" }, "hi");
    original.c("active", { xmlns: "http://jabber.org/protocol/chatstates" });
    const copy = clone(original);
    copy.attrs.to = "b@x";
    copy.getChild("body")!.children.push(" there");
    copy.getChild("active")!.attrs.extra = "1";
    expect(original.toString()).toBe(
      '<message to="a@x" type="chat"><body>hi</body><active xmlns="http://jabber.org/protocol/chatstates"/></message>',
    );
    expect(copy.attrs.to).toBe("b@x");
    expect(copy.getChildText("body")).toBe("hi there");
    expect(copy.getChild("body")!.parent).toBe(copy);
  });
});
