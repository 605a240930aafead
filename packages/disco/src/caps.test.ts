import { Element, parse } from "ltx";
import { describe, expect, it } from "vitest";
import { capsElement, capsString, capsVer, capsVerOfQuery, compareOctets, hashCapsString } from "./caps.js";
import { DiscoError } from "./errors.js";
import type { Identity } from "./registry.js";

const CAPS = "http://jabber.org/protocol/caps";
const INFO = "http://jabber.org/protocol/disco#info";
const ITEMS = "http://jabber.org/protocol/disco#items";
const MUC = "http://jabber.org/protocol/muc";

describe("XEP-0115 §5.2 simple generation example", () => {
  const identities: Identity[] = [{ category: "client", type: "pc", name: "Exodus 0.9.1" }];
  const features = [INFO, ITEMS, MUC, CAPS];

  it("builds the verification string S", () => {
    expect(capsString(identities, features)).toBe(`client/pc//Exodus 0.9.1<${CAPS}<${INFO}<${ITEMS}<${MUC}<`);
  });

  it("hashes it to QgayPKawpkPSDYmwT/WM94uAlu0=", () => {
    expect(capsVer(identities, features)).toBe("QgayPKawpkPSDYmwT/WM94uAlu0=");
  });
});

const complexQuery = `<query xmlns='http://jabber.org/protocol/disco#info'
       node='http://psi-im.org#q07IKJEyjvHSyhy//CH0CxmKi8w='>
  <identity xml:lang='en' category='client' name='Psi 0.11' type='pc'/>
  <identity xml:lang='el' category='client' name='Ψ 0.11' type='pc'/>
  <feature var='http://jabber.org/protocol/caps'/>
  <feature var='http://jabber.org/protocol/disco#info'/>
  <feature var='http://jabber.org/protocol/disco#items'/>
  <feature var='http://jabber.org/protocol/muc'/>
  <x xmlns='jabber:x:data' type='result'>
    <field var='FORM_TYPE' type='hidden'>
      <value>urn:xmpp:dataforms:softwareinfo</value>
    </field>
    <field var='ip_version' type='text-multi'>
      <value>ipv4</value>
      <value>ipv6</value>
    </field>
    <field var='os'>
      <value>Mac</value>
    </field>
    <field var='os_version'>
      <value>10.5.1</value>
    </field>
    <field var='software'>
      <value>Psi</value>
    </field>
    <field var='software_version'>
      <value>0.11</value>
    </field>
  </x>
</query>`;

describe("XEP-0115 §5.3 complex generation example", () => {
  const S =
    "client/pc/el/Ψ 0.11<client/pc/en/Psi 0.11<" +
    `${CAPS}<${INFO}<${ITEMS}<${MUC}<` +
    "urn:xmpp:dataforms:softwareinfo<ip_version<ipv4<ipv6<os<Mac<os_version<10.5.1<" +
    "software<Psi<software_version<0.11<";

  const identities: Identity[] = [
    { category: "client", type: "pc", name: "Psi 0.11", lang: "en" },
    { category: "client", type: "pc", name: "Ψ 0.11", lang: "el" },
  ];
  const features = [CAPS, INFO, ITEMS, MUC];
  const form = {
    formType: "urn:xmpp:dataforms:softwareinfo",
    fields: [
      // deliberately out of order: the hash sorts fields and values
      { var: "software_version", value: "0.11" },
      { var: "os", value: "Mac" },
      { var: "ip_version", type: "text-multi" as const, value: ["ipv6", "ipv4"] },
      { var: "os_version", value: "10.5.1" },
      { var: "software", value: "Psi" },
    ],
  };

  it("builds the verification string S from identities, features and a form description", () => {
    expect(capsString(identities, features, [form])).toBe(S);
  });

  it("hashes it to q07IKJEyjvHSyhy//CH0CxmKi8w=", () => {
    expect(capsVer(identities, features, [form])).toBe("q07IKJEyjvHSyhy//CH0CxmKi8w=");
    expect(hashCapsString(S)).toBe("q07IKJEyjvHSyhy//CH0CxmKi8w=");
  });

  it("gives the same ver when reading the XEP's own <query/> XML", () => {
    expect(capsVerOfQuery(parse(complexQuery))).toBe("q07IKJEyjvHSyhy//CH0CxmKi8w=");
  });

  it("does not depend on the order identities and features arrive in", () => {
    expect(capsVer([...identities].reverse(), [...features].reverse(), [form])).toBe(
      "q07IKJEyjvHSyhy//CH0CxmKi8w=",
    );
  });
});

describe("capsString", () => {
  it("sorts forms by FORM_TYPE", () => {
    const a = { formType: "urn:b", fields: [{ var: "x", value: "1" }] };
    const b = { formType: "urn:a", fields: [{ var: "y", value: "2" }] };
    expect(capsString([], [], [a, b])).toBe("urn:a<y<2<urn:b<x<1<");
  });

  it("leaves out forms without a hidden FORM_TYPE (XEP-0115 §5.4)", () => {
    const noType = new Element("x", { xmlns: "jabber:x:data", type: "result" });
    noType.c("field", { var: "a" }).c("value").t("1");
    const visibleType = new Element("x", { xmlns: "jabber:x:data", type: "result" });
    visibleType.c("field", { var: "FORM_TYPE" }).c("value").t("urn:x");
    expect(capsString([], ["f"], [noType, visibleType])).toBe("f<");
  });

  it("writes a field without values as its var alone", () => {
    expect(capsString([], [], [{ formType: "urn:x", fields: [{ var: "empty" }] }])).toBe("urn:x<empty<");
  });

  it("keeps every slash of an identity without lang or name", () => {
    expect(capsString([{ category: "server", type: "im" }], [])).toBe("server/im//<");
  });
});

describe("compareOctets", () => {
  it("orders by code point (UTF-8 bytes), not UTF-16 units", () => {
    const astral = "\u{1F600}"; // surrogate pair D83D DE00
    const high = "\uFF21"; // U+FF21, below U+1F600
    expect(compareOctets(high, astral)).toBeLessThan(0);
    expect(high < astral).toBe(false); // what plain comparison would get wrong
    expect(compareOctets("a", "b")).toBeLessThan(0);
    expect(compareOctets("ab", "a")).toBeGreaterThan(0);
    expect(compareOctets("same", "same")).toBe(0);
  });
});

describe("capsElement", () => {
  it("writes <c/> with hash, node and ver", () => {
    expect(capsElement("abc=").toString()).toBe(
      `<c xmlns="${CAPS}" hash="sha-1" node="http://prosody.im" ver="abc="/>`,
    );
    expect(capsElement("v", { node: "https://canto.example" }).attrs.node).toBe("https://canto.example");
  });
});

describe("hashes", () => {
  it("supports the other IANA hash names", () => {
    const ver = capsVer([{ category: "client", type: "pc" }], [INFO], [], "sha-256");
    expect(Buffer.from(ver, "base64")).toHaveLength(32);
  });

  it("rejects an unknown hash with code unknown-hash", () => {
    // biome-ignore lint/suspicious/noExplicitAny: testing a bad value
    expect(() => hashCapsString("x", "sha-3" as any)).toThrow(
      expect.objectContaining({ code: "unknown-hash" }),
    );
    expect(() => capsVerOfQuery(new Element("x"))).toThrow(DiscoError);
  });
});
