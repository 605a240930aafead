import { describe, expect, it } from "vitest";
import { decodeAttr, decodeCdata, decodeText, scanQName, XmlRefusal } from "./xml.js";

const q = (name: string) => scanQName(`<${name}>`, 1, name.length + 1, "element");

describe("scanQName", () => {
  it("accepts names with at most one inner colon and returns its index", () => {
    expect(q("message")).toBe(-1);
    expect(q("a-b.c_d9")).toBe(-1);
    expect(q("stream:features")).toBe(7);
    expect(q("ü")).toBe(-1);
    expect(q("db:résultat")).toBe(3);
    expect(q("Объект")).toBe(-1);
  });

  for (const bad of [
    "",
    ":a",
    "a:",
    "a:b:c",
    "-a",
    ".a",
    "1a",
    "a:1b",
    "a b",
    "a\u0000",
    "x:ü:y",
    "\u00d7",
  ]) {
    it(`refuses ${JSON.stringify(bad)}`, () => {
      expect(() => q(bad)).toThrow(XmlRefusal);
    });
  }
});

describe("decodeText", () => {
  it("returns plain text unchanged", () => {
    expect(decodeText("hello > world ' \"")).toBe("hello > world ' \"");
  });

  it("replaces the five entities and character references", () => {
    expect(decodeText("&lt;&gt;&amp;&quot;&apos;&#65;&#x1F600;")).toBe("<>&\"'A\u{1F600}");
  });

  it("normalises CR LF and lone CR to LF", () => {
    expect(decodeText("a\r\nb\rc")).toBe("a\nb\nc");
  });

  it("refuses undefined entities as restricted-xml and bad references as not-well-formed", () => {
    const condition = (s: string) => {
      try {
        decodeText(s);
      } catch (e) {
        return (e as XmlRefusal).condition;
      }
      return "ok";
    };
    expect(condition("&nbsp;")).toBe("restricted-xml");
    expect(condition("& ")).toBe("not-well-formed");
    expect(condition("&#xFFFE;")).toBe("not-well-formed");
    expect(condition("&#1114112;")).toBe("not-well-formed");
    expect(condition("&averyveryverylongname;")).toBe("not-well-formed");
    // Problems are reported in document order.
    expect(condition("&nbsp;\u0001")).toBe("restricted-xml");
    expect(condition("\u0001&nbsp;")).toBe("not-well-formed");
  });
});

describe("decodeAttr", () => {
  it("turns literal whitespace into spaces, but keeps references to it", () => {
    expect(decodeAttr("a\tb\nc\r\nd&#10;e")).toBe("a b c d\ne");
  });

  it("refuses '<'", () => {
    expect(() => decodeAttr("a<b")).toThrow(XmlRefusal);
  });
});

describe("decodeCdata", () => {
  it("keeps markup and references literally but normalises line ends", () => {
    expect(decodeCdata("<b>&amp;</b>\r\n")).toBe("<b>&amp;</b>\n");
  });
});
