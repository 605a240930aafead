import { Element } from "ltx";
import { describe, expect, it } from "vitest";
import { NS_STREAMS, NS_XMPP_STREAMS } from "../conditions.js";
import { StreamParser } from "./parser.js";
import { errorOf, HEADER, parseAll, recorder, stanzas } from "./recorder.test-helper.js";

const CLOSE = "</stream:stream>";

describe("RFC 6120 examples", () => {
  it("reads the stream header of §4.7 (Example 1) with its attributes", () => {
    const events = parseAll(HEADER);
    expect(events).toHaveLength(1);
    expect(events[0]).toEqual({
      kind: "start",
      name: "stream:stream",
      attrs: {
        from: "juliet@im.example.com",
        to: "im.example.com",
        version: "1.0",
        "xml:lang": "en",
        xmlns: "jabber:client",
        "xmlns:stream": NS_STREAMS,
      },
    });
  });

  it("frames the stanzas of a session (§9.1) and the stream close", () => {
    const input =
      HEADER +
      "<stream:features><starttls xmlns='urn:ietf:params:xml:ns:xmpp-tls'><required/></starttls></stream:features>\n" +
      "<iq id='yhc13a95' type='set'><bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'><resource>balcony</resource></bind></iq>\n" +
      "<message from='juliet@im.example.com/balcony' id='ju2ba41c' to='romeo@example.net' type='chat' xml:lang='en'>" +
      "<body>Art thou not Romeo, and a Montague?</body></message>\n" +
      "<presence/> " +
      CLOSE;
    const events = parseAll(input);
    expect(events.map((e) => e.kind)).toEqual(["start", "stanza", "stanza", "stanza", "stanza", "end"]);
    const [features, bind, msg, pres] = events.flatMap((e) => (e.kind === "stanza" ? [e.stanza] : []));
    // The stream prefix declared on the header is carried by the detached element.
    expect(features!.is("features", NS_STREAMS)).toBe(true);
    expect(
      features!.getChild("starttls", "urn:ietf:params:xml:ns:xmpp-tls")?.getChild("required"),
    ).toBeDefined();
    expect(bind!.attrs).toEqual({ id: "yhc13a95", type: "set" });
    expect(bind!.getChild("bind")!.getChildText("resource")).toBe("balcony");
    expect(msg!.getChildText("body")).toBe("Art thou not Romeo, and a Montague?");
    expect(msg!.attrs["xml:lang"]).toBe("en");
    expect(pres!.toString()).toBe("<presence/>");
    expect(msg!.parent).toBeNull();
  });

  it("reads a stream error (§4.9.2)", () => {
    const events = parseAll(
      HEADER +
        "<stream:error><not-well-formed xmlns='urn:ietf:params:xml:ns:xmpp-streams'/></stream:error>" +
        CLOSE,
    );
    const err = events.find((e) => e.kind === "stanza");
    expect(err?.kind === "stanza" && err.stanza.is("error", NS_STREAMS)).toBe(true);
    expect(err?.kind === "stanza" && err.stanza.getChild("not-well-formed", NS_XMPP_STREAMS)).toBeTruthy();
  });

  it("accepts a server-to-server stream with jabber:server and a db prefix", () => {
    const events = parseAll(
      "<stream:stream xmlns='jabber:server' xmlns:db='jabber:server:dialback' xmlns:stream='http://etherx.jabber.org/streams' version='1.0'>" +
        "<db:result from='a.example' to='b.example'>abc</db:result>",
    );
    const s = events.find((e) => e.kind === "stanza");
    expect(s?.kind === "stanza" && s.stanza.is("result", "jabber:server:dialback")).toBe(true);
    expect(s?.kind === "stanza" && s.stanza.getText()).toBe("abc");
  });

  it("follows a client session through STARTTLS and SASL restarts (§9.1)", () => {
    const log: string[] = [];
    const parser: StreamParser = new StreamParser(
      {
        streamStart: (attrs) => log.push(`header to=${attrs.to}`),
        stanza: (s) => {
          log.push(`${s.getName()} ${s.getNS() ?? ""}`.trim());
          // The server restarts its parser once it has answered these (§5.4.3.3, §6.4.6).
          if (s.is("starttls") || s.is("auth")) parser.reset();
        },
        streamEnd: () => log.push("close"),
        error: (e) => log.push(`error ${e.condition}`),
      },
      { namespaces: ["jabber:client"] },
    );
    const header =
      "<?xml version='1.0'?><stream:stream to='im.example.com' version='1.0' xml:lang='en' " +
      "xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams'>";
    parser.write(header + "<starttls xmlns='urn:ietf:params:xml:ns:xmpp-tls'/>");
    // (TLS negotiation happens here; the client opens a new stream over TLS.)
    parser.write(
      header +
        "<auth xmlns='urn:ietf:params:xml:ns:xmpp-sasl' mechanism='SCRAM-SHA-1'>" +
        "biwsbj1qdWxpZXQscj1vTXNUQUF3QUFBQU1BQUFBTlAwVEFBQUFBQUJQVTBBQQ==</auth>",
    );
    parser.write(
      header +
        "<iq id='tn281v37' type='set'><bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'/></iq>" +
        "<presence/></stream:stream>",
    );
    expect(log).toEqual([
      "header to=im.example.com",
      "starttls urn:ietf:params:xml:ns:xmpp-tls",
      "header to=im.example.com",
      "auth urn:ietf:params:xml:ns:xmpp-sasl",
      "header to=im.example.com",
      "iq",
      "presence",
      "close",
    ]);
  });

  it("handles a self-closing stream header as start and end", () => {
    const events = parseAll("<stream:stream xmlns:stream='http://etherx.jabber.org/streams'/>");
    expect(events.map((e) => e.kind)).toEqual(["start", "end"]);
  });
});

describe("stanza contents", () => {
  it("decodes the predefined entities and character references", () => {
    const [s] = stanzas(
      parseAll(
        HEADER +
          "<message a='&lt;&amp;&quot;&apos;&gt;&#65;&#x42;'><body>&lt;3 &amp; &#x1F600;</body></message>",
      ),
    );
    expect(s).toBe('<message a="&lt;&amp;&quot;&apos;&gt;AB"><body>&lt;3 &amp; \u{1F600}</body></message>');
  });

  it("keeps CDATA content as text", () => {
    const events = parseAll(HEADER + "<message><body><![CDATA[<b>&amp;</b>]]> tail</body></message>");
    const m = events.find((e) => e.kind === "stanza");
    expect(m?.kind === "stanza" && m.stanza.getChildText("body")).toBe("<b>&amp;</b> tail");
  });

  it("normalises line ends in text and whitespace in attribute values (XML §2.11, §3.3.3)", () => {
    const events = parseAll(HEADER + "<message a='x\ty\r\nz'><body>one\r\ntwo\rthree</body></message>");
    const m = events.find((e) => e.kind === "stanza");
    expect(m?.kind === "stanza" && m.stanza.attrs.a).toBe("x y z");
    expect(m?.kind === "stanza" && m.stanza.getChildText("body")).toBe("one\ntwo\nthree");
  });

  it("ignores whitespace keepalives between stanzas", () => {
    const { parser, events } = recorder();
    parser.write(HEADER);
    parser.write(" ");
    parser.write("\n\n");
    parser.write("<presence/>");
    expect(stanzas(events)).toEqual(["<presence/>"]);
    expect(errorOf(events)).toBeUndefined();
  });

  it("accepts whitespace inside tags and around '='", () => {
    expect(
      stanzas(parseAll(HEADER + "<iq\n id = 'a'\ttype=\"get\" ><ping xmlns='urn:xmpp:ping' /></iq >")),
    ).toEqual(['<iq id="a" type="get"><ping xmlns="urn:xmpp:ping"/></iq>']);
  });
});

describe("default namespace", () => {
  it("omits the stream's default namespace by default, as Prosody", () => {
    const events = parseAll(HEADER + "<message xmlns='jabber:client'><body>x</body></message><presence/>");
    expect(stanzas(events)).toEqual(["<message><body>x</body></message>", "<presence/>"]);
  });

  it("keeps other namespaces", () => {
    expect(
      stanzas(
        parseAll(HEADER + "<auth xmlns='urn:ietf:params:xml:ns:xmpp-sasl' mechanism='PLAIN'>AA==</auth>"),
      ),
    ).toEqual(['<auth xmlns="urn:ietf:params:xml:ns:xmpp-sasl" mechanism="PLAIN">AA==</auth>']);
  });

  it("applies it with defaultNamespace: 'apply'", () => {
    const events = parseAll(HEADER + "<message><body>x</body></message>", { defaultNamespace: "apply" });
    const m = events.find((e) => e.kind === "stanza");
    expect(m?.kind === "stanza" && m.stanza.is("message", "jabber:client")).toBe(true);
    expect(m?.kind === "stanza" && m.stanza.getChild("body", "jabber:client")).toBeTruthy();
  });

  it("refuses a default namespace outside `namespaces` with invalid-namespace", () => {
    const events = parseAll(HEADER, { namespaces: ["jabber:server"] });
    expect(errorOf(events)?.condition).toBe("invalid-namespace");
    expect(events.some((e) => e.kind === "start")).toBe(false);
  });
});

describe("malformed input", () => {
  const cases: [string, string, string][] = [
    ["mismatched end tag", "<message><body></message>", "not-well-formed"],
    ["unquoted attribute", "<message to=romeo/>", "not-well-formed"],
    ["duplicate attribute", "<message to='a' to='b'/>", "not-well-formed"],
    ["attribute without value", "<message to/>", "not-well-formed"],
    ["attributes without whitespace", "<message a='1'b='2'/>", "not-well-formed"],
    ["'<' in attribute value", "<message to='<'/>", "not-well-formed"],
    ["'<' inside a tag", "<message <body/>", "not-well-formed"],
    ["invalid element name", "<1message/>", "not-well-formed"],
    ["empty element name", "< />", "not-well-formed"],
    ["two colons in a name", "<a:b:c/>", "not-well-formed"],
    ["bare ampersand", "<message><body>a & b</body></message>", "not-well-formed"],
    ["reference to a non-character", "<message><body>&#0;</body></message>", "not-well-formed"],
    ["reference to a surrogate", "<message><body>&#xD800;</body></message>", "not-well-formed"],
    ["control character", "<message><body>\u0001</body></message>", "not-well-formed"],
    ["text between stanzas", "hello<presence/>", "not-well-formed"],
    ["unexpected end tag", "</message>", "not-well-formed"],
    ["undeclared prefix", "<foo:bar/>", "bad-namespace-prefix"],
    ["undeclared attribute prefix", "<message foo:x='1'/>", "bad-namespace-prefix"],
    ["empty prefix declaration", "<message xmlns:a=''/>", "not-well-formed"],
    ["xmlns prefix used", "<xmlns:a/>", "not-well-formed"],
  ];
  for (const [what, input, condition] of cases) {
    it(`refuses ${what} with ${condition}`, () => {
      const events = parseAll(HEADER + input + "<presence/>");
      expect(errorOf(events)?.condition).toBe(condition);
      expect(events.filter((e) => e.kind === "stanza")).toEqual([]);
    });
  }

  it("refuses content before the header", () => {
    expect(errorOf(parseAll("hello" + HEADER))?.condition).toBe("not-well-formed");
  });

  it("refuses a header in the wrong namespace with invalid-namespace", () => {
    expect(errorOf(parseAll("<stream:stream xmlns:stream='urn:wrong'>"))?.condition).toBe(
      "invalid-namespace",
    );
    expect(errorOf(parseAll("<stream xmlns='jabber:client'>"))?.condition).toBe("invalid-namespace");
    expect(errorOf(parseAll("<stream:foo xmlns:stream='http://etherx.jabber.org/streams'>"))?.condition).toBe(
      "invalid-namespace",
    );
    expect(errorOf(parseAll("<stream:stream>"))?.condition).toBe("bad-namespace-prefix");
  });

  it("refuses an encoding other than UTF-8 with unsupported-encoding", () => {
    expect(
      errorOf(parseAll("<?xml version='1.0' encoding='ISO-8859-1'?>" + HEADER.slice(21)))?.condition,
    ).toBe("unsupported-encoding");
    expect(errorOf(parseAll("<?xml version='1.0' encoding='utf-8'?>" + HEADER.slice(21)))).toBeUndefined();
  });

  it("refuses invalid UTF-8 and lone surrogates", () => {
    expect(errorOf(parseAll(Buffer.from([0x3c, 0xff, 0x3e])))?.condition).toBe("not-well-formed");
    expect(errorOf(parseAll(`${HEADER}<message><body>\uD800</body></message>`))?.condition).toBe(
      "not-well-formed",
    );
  });

  it("refuses anything after the stream close", () => {
    const { parser, events } = recorder();
    parser.write(HEADER + CLOSE);
    parser.write("<presence/>");
    expect(events.map((e) => e.kind)).toEqual(["start", "end"]);
  });
});

describe("restricted XML (RFC 6120 §11.1)", () => {
  const forbidden: [string, string][] = [
    ["a comment before the header", "<!-- hi -->" + HEADER],
    ["a comment between stanzas", HEADER + "<!-- hi --><presence/>"],
    ["a comment inside a stanza", HEADER + "<message><!-- hi --></message>"],
    ["a DTD", "<?xml version='1.0'?><!DOCTYPE stream [<!ENTITY x 'y'>]>" + HEADER.slice(21)],
    ["an entity declaration", HEADER + "<!ENTITY x 'y'>"],
    ["a processing instruction in a stanza", HEADER + "<message><?php echo 1; ?></message>"],
    ["a processing instruction between stanzas", HEADER + "<?foo bar?><presence/>"],
    ["an xml-stylesheet instruction", "<?xml-stylesheet href='a'?>" + HEADER.slice(21)],
    ["an XML declaration after the header", HEADER + "<?xml version='1.0'?>"],
    ["a second XML declaration", "<?xml version='1.0'?>" + HEADER],
    ["an undefined entity", HEADER + "<message><body>&nbsp;</body></message>"],
    ["an undefined entity in an attribute", HEADER + "<message to='&x;'/>"],
    ["an external entity reference", HEADER + "<message><body>&xxe;</body></message>"],
  ];
  for (const [what, input] of forbidden) {
    it(`refuses ${what} with restricted-xml`, () => {
      const events = parseAll(input + "<presence/>");
      expect(errorOf(events)?.condition).toBe("restricted-xml");
      expect(events.filter((e) => e.kind === "stanza")).toEqual([]);
    });
  }

  it("refuses them also when split byte by byte", () => {
    for (const [, input] of forbidden) {
      const { parser, events } = recorder();
      for (const b of Buffer.from(input + "<presence/>")) parser.write(Buffer.from([b]));
      expect(errorOf(events)?.condition).toBe("restricted-xml");
      expect(events.filter((e) => e.kind === "stanza")).toEqual([]);
    }
  });
});

describe("limits", () => {
  // The header counts against the limit too, so the stanzas here are longer than HEADER.
  const stanza = `<message><body>${"x".repeat(300)}</body></message>`; // 332 bytes

  it("accepts a stanza of exactly maxStanzaSize bytes and refuses one byte more", () => {
    expect(stanzas(parseAll(HEADER + stanza, { maxStanzaSize: 332 }))).toEqual([stanza]);
    const events = parseAll(HEADER + stanza, { maxStanzaSize: 331 });
    expect(errorOf(events)?.condition).toBe("policy-violation");
    expect(stanzas(events)).toEqual([]);
  });

  it("counts bytes, not characters", () => {
    const s = `<message><body>${"é".repeat(150)}</body></message>`; // é is two bytes: 332 bytes
    expect(stanzas(parseAll(HEADER + s, { maxStanzaSize: 332 }))).toEqual([s]);
    expect(errorOf(parseAll(HEADER + s, { maxStanzaSize: 331 }))?.condition).toBe("policy-violation");
    // Split inside the stanza, so that part of the count comes from an earlier write.
    const bytes = Buffer.from(HEADER + s);
    for (const limit of [331, 332]) {
      const { parser, events } = recorder({ maxStanzaSize: limit });
      parser.write(bytes.subarray(0, 300));
      parser.write(bytes.subarray(300));
      expect(stanzas(events)).toHaveLength(limit === 332 ? 1 : 0);
    }
  });

  it("refuses an oversized stanza while it streams in, without buffering it", () => {
    const { parser, events } = recorder({ maxStanzaSize: 1000 });
    parser.write(HEADER + "<message><body>");
    let fed = 0;
    while (!parser.failed && fed < 100_000) {
      parser.write("x".repeat(100));
      fed += 100;
    }
    expect(errorOf(events)?.condition).toBe("policy-violation");
    expect(fed).toBeLessThanOrEqual(1000);
  });

  it("refuses an oversized start tag arriving in pieces", () => {
    const { parser, events } = recorder({ maxStanzaSize: 1000 });
    parser.write(HEADER + "<message to='");
    let fed = 0;
    while (!parser.failed && fed < 100_000) {
      parser.write("x".repeat(50));
      fed += 50;
    }
    expect(errorOf(events)?.condition).toBe("policy-violation");
    expect(fed).toBeLessThanOrEqual(1000);
  });

  it("limits the size of the stream header too", () => {
    expect(errorOf(parseAll(HEADER, { maxStanzaSize: 50 }))?.condition).toBe("policy-violation");
  });

  it("enforces maxDepth, the stanza itself being depth 1", () => {
    const nest = (n: number) => "<a>".repeat(n) + "</a>".repeat(n);
    expect(stanzas(parseAll(HEADER + nest(3), { maxDepth: 3 }))).toHaveLength(1);
    const events = parseAll(HEADER + nest(4), { maxDepth: 3 });
    expect(errorOf(events)?.condition).toBe("policy-violation");
    expect(stanzas(events)).toEqual([]);
  });
});

describe("chunking", () => {
  const input =
    HEADER +
    "<message to='ромео@example.net'><body>héllo 😀 中文 &amp; &#x1F600; <![CDATA[a]]b]]></body></message>\r\n" +
    "<presence><status>one\r\ntwo</status></presence>" +
    CLOSE;
  const whole = parseAll(input);

  it("gives the same events for every split point, in bytes (splitting UTF-8 sequences)", () => {
    const bytes = Buffer.from(input);
    for (let i = 0; i <= bytes.length; i++) {
      const { parser, events } = recorder();
      parser.write(bytes.subarray(0, i));
      parser.write(bytes.subarray(i));
      expect(stanzas(events)).toEqual(stanzas(whole));
      expect(events.map((e) => e.kind)).toEqual(["start", "stanza", "stanza", "end"]);
    }
  });

  it("gives the same events fed one byte at a time", () => {
    const { parser, events } = recorder();
    for (const b of Buffer.from(input)) parser.write(Buffer.from([b]));
    expect(stanzas(events)).toEqual(stanzas(whole));
    expect(stanzas(whole)[0]).toContain("héllo 😀 中文 &amp; 😀 a]]b");
  });

  it("gives the same events fed one UTF-16 unit at a time as strings", () => {
    const { parser, events } = recorder();
    // Split only between code points: a lone surrogate string is invalid on its own.
    for (const ch of input) parser.write(ch);
    expect(stanzas(events)).toEqual(stanzas(whole));
  });
});

describe("restarts and errors", () => {
  it("restarts after SASL success with reset() called from the handler, parsing the rest of the chunk", () => {
    const events: string[] = [];
    const parser: StreamParser = new StreamParser({
      streamStart: (attrs) => events.push(`start ${attrs.to}`),
      stanza: (s) => {
        events.push(s.name);
        if (s.name === "success") parser.reset();
      },
      error: (e) => events.push(`error ${e.condition}`),
    });
    parser.write(
      "<stream:stream to='a' xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams'>" +
        "<success xmlns='urn:ietf:params:xml:ns:xmpp-sasl'/>" +
        "<stream:stream to='b' xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams'><presence/>",
    );
    expect(events).toEqual(["start a", "success", "start b", "presence"]);
  });

  it("restarts after reset() between writes, dropping a half-read stanza", () => {
    const { parser, events } = recorder();
    parser.write(HEADER + "<message><body>half");
    parser.reset();
    parser.write(HEADER + "<presence/>");
    expect(events.map((e) => e.kind)).toEqual(["start", "start", "stanza"]);
    expect(stanzas(events)).toEqual(["<presence/>"]);
  });

  it("accepts a new XML declaration after a restart", () => {
    const { parser, events } = recorder();
    parser.write(HEADER);
    parser.reset();
    parser.write(HEADER + "<presence/>");
    expect(errorOf(events)).toBeUndefined();
  });

  it("emits nothing after an error until reset", () => {
    const { parser, events } = recorder();
    parser.write(HEADER + "<presence/><message><body>&bad;</body></message><presence/>");
    parser.write("<presence/>");
    expect(events.map((e) => e.kind)).toEqual(["start", "stanza", "error"]);
    expect(parser.failed).toBe(true);
    parser.reset();
    parser.write(HEADER + "<presence/>");
    expect(events.map((e) => e.kind)).toEqual(["start", "stanza", "error", "start", "stanza"]);
  });

  it("drops the rest of the chunk when reset() is called from the error handler", () => {
    const events: string[] = [];
    const parser: StreamParser = new StreamParser({
      stanza: (s) => events.push(s.name),
      error: () => parser.reset(),
    });
    parser.write(HEADER + "<a>&bad;</a><presence/>");
    expect(events).toEqual([]);
    expect(parser.failed).toBe(false);
  });

  it("lets a handler's exception reach the caller and then stops", () => {
    const parser = new StreamParser({
      stanza: () => {
        throw new Error("boom");
      },
    });
    expect(() => parser.write(HEADER + "<presence/>")).toThrow("boom");
    expect(parser.failed).toBe(true);
  });

  it("reports a StreamError that renders as <stream:error>", () => {
    const error = errorOf(parseAll(HEADER + "<!-- x -->"));
    expect(error?.toElement().toString()).toBe(
      `<stream:error xmlns:stream="${NS_STREAMS}"><restricted-xml xmlns="${NS_XMPP_STREAMS}"/>` +
        `<text xmlns="${NS_XMPP_STREAMS}">comments are not allowed</text></stream:error>`,
    );
    expect(error?.toElement()).toBeInstanceOf(Element);
  });
});
