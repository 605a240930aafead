import { Element, message } from "canto";
import { describe, expect, it } from "vitest";
import { NS_FRAMING, openElement, parseFrame, serialize } from "./framing.js";

const LIMIT = 4096;

describe("parseFrame", () => {
  it("reads one element, client stanzas without their jabber:client xmlns", () => {
    const frame = parseFrame(
      Buffer.from(`<message xmlns="jabber:client" to="bob@localhost"><body>hé</body></message>`),
      LIMIT,
    );
    expect(frame.kind).toBe("element");
    const element = (frame as { element: Element }).element;
    expect(element.toString()).toBe(`<message to="bob@localhost"><body>hé</body></message>`);
  });

  it("keeps the framing namespace on <open/> and <close/>", () => {
    const frame = parseFrame(`<open xmlns="${NS_FRAMING}" to="localhost" version="1.0"/>`, LIMIT);
    expect(frame.kind === "element" && frame.element.is("open", NS_FRAMING)).toBe(true);
  });

  it("treats a whitespace-only message as a keepalive", () => {
    expect(parseFrame(" \r\n", LIMIT)).toEqual({ kind: "keepalive" });
  });

  it.each([
    ["<message><body>", "incomplete XML element"],
    ["<message/><presence", "incomplete XML element"],
    ["<a/><b/>", "exactly one XML element"],
    ["<message/>text", "text outside a stanza"],
    ["</stream:stream>", "<close"],
  ])("refuses %j as not-well-formed (%s)", (input, text) => {
    const frame = parseFrame(input, LIMIT);
    expect(frame).toMatchObject({ kind: "error", condition: "not-well-formed" });
    expect((frame as { text: string }).text).toContain(text);
  });

  it("applies restricted XML and the size limit", () => {
    expect(parseFrame("<!DOCTYPE x><message/>", LIMIT)).toMatchObject({ condition: "restricted-xml" });
    expect(parseFrame(`<message><body>${"x".repeat(LIMIT)}</body></message>`, LIMIT)).toMatchObject({
      condition: "policy-violation",
    });
    expect(parseFrame(Buffer.from([0x3c, 0xff, 0x2f, 0x3e]), LIMIT)).toMatchObject({
      condition: "not-well-formed",
    });
  });
});

describe("serialize", () => {
  it("puts jabber:client on client stanzas without changing the element", () => {
    const stanza = message({ to: "a@b" }).c("body").t("x").root();
    expect(serialize(stanza)).toBe(`<message xmlns="jabber:client" to="a@b"><body>x</body></message>`);
    expect(stanza.attrs.xmlns).toBeUndefined();
    expect(serialize(new Element("iq"))).toBe(`<iq xmlns="jabber:client"/>`);
  });

  it("declares the stream prefix on stream: elements and leaves namespaced elements alone", () => {
    expect(serialize(new Element("stream:features"))).toBe(
      `<stream:features xmlns:stream="http://etherx.jabber.org/streams"/>`,
    );
    const success = new Element("success", { xmlns: "urn:ietf:params:xml:ns:xmpp-sasl" });
    expect(serialize(success)).toBe(success.toString());
  });

  it("builds the answering <open/>", () => {
    expect(openElement({ from: "localhost", id: "abc" }).toString()).toBe(
      `<open xmlns="${NS_FRAMING}" from="localhost" id="abc" version="1.0" xml:lang="en"/>`,
    );
  });
});
