import { packAndInstall } from "@canto/test-utils";
import { expect, it } from "vitest";

it("installs from its packed tarball and runs", () => {
  const install = packAndInstall("@canto/stanza");
  try {
    // Exercises the ltx re-export, the builders, the stringprep deep import (a CommonJS module
    // loaded from ESM) and the framing, from a plain npm install.
    const out = install.run(`
      import { Element, errorReply, iq, prepJid, reply, StreamParser } from "@canto/stanza";
      const replies = [];
      const parser = new StreamParser({ stanza: (s) => replies.push(reply(s).toString()) });
      parser.write(Buffer.from("<stream:stream xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams'>" +
        "<iq id='1' type='get' from='a@b/c' to='b'><ping xmlns='urn:xmpp:ping'/></iq>"));
      console.log(JSON.stringify({
        replies,
        jid: prepJid("ÄLICE@Example.COM/Res"),
        error: errorReply(iq({ id: "2", type: "get" }), "cancel", "item-not-found").toString(),
        shared: iq({ id: "3", type: "get" }) instanceof Element,
      }));
    `);
    expect(JSON.parse(out)).toEqual({
      replies: ['<iq to="a@b/c" from="b" id="1" type="result"/>'],
      jid: "älice@example.com/Res",
      error:
        '<iq id="2" type="error"><error type="cancel"><item-not-found xmlns="urn:ietf:params:xml:ns:xmpp-stanzas"/></error></iq>',
      shared: true,
    });
  } finally {
    install.dispose();
  }
}, 120_000);
