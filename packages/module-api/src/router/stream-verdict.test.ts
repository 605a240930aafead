import { Element, iq, message } from "@canto/stanza";
import { afterEach, describe, expect, it } from "vitest";
import { createTestServer, type TestServer } from "../testing.js";
import type { Session } from "./session.js";
import { stanzaEvent, tagEvent } from "./stanza-event.js";
import { isNamespaced, streamVerdict } from "./stream-verdict.js";

const peer = (type: string): Session => ({ type, host: "localhost", send: () => true });

describe("the stream verdict on elements nobody handles", () => {
  it("ends a client stream for an unhooked nonza, a name that is no stanza, or traffic before authentication", () => {
    const nonza = new Element("enable", { xmlns: "urn:xmpp:sm:3" });
    expect(streamVerdict(peer("c2s"), nonza, false)?.condition).toBe("unsupported-stanza-type");
    expect(streamVerdict(peer("c2s"), nonza, true)).toBeUndefined();
    expect(streamVerdict(peer("c2s"), new Element("foo"), false)?.text).toBe(
      "<foo> is not a stanza of jabber:client",
    );
    expect(streamVerdict(peer("c2s_unauthed"), message({ to: "bob@localhost" }), false)?.condition).toBe(
      "not-authorized",
    );
    // Authenticated stanzas are routed: the stanza error (service-unavailable) is routing's business.
    expect(streamVerdict(peer("c2s"), message({ to: "bob@localhost" }), false)).toBeUndefined();
    // Before the handshake a component gets not-authorized for anything.
    expect(streamVerdict(peer("component_unauthed"), nonza, false)?.condition).toBe("not-authorized");
    // In-process sessions never get a stream error.
    expect(streamVerdict(peer("local"), nonza, false)).toBeUndefined();
  });

  it("reads namespaces against the origin's stream: jabber:server is a nonza on a client stream", () => {
    const serverMessage = new Element("message", { xmlns: "jabber:server" });
    expect(isNamespaced(peer("c2s"), serverMessage)).toBe(true);
    expect(isNamespaced(peer("s2sin"), serverMessage)).toBe(false);
    expect(isNamespaced(peer("local"), serverMessage)).toBe(false);
    expect(isNamespaced(peer("component"), new Element("iq", { xmlns: "jabber:component:accept" }))).toBe(
      false,
    );
    expect(isNamespaced(peer("c2s"), new Element("iq", { xmlns: "jabber:client" }))).toBe(false);
  });

  it("names events once, for the router and hookTag alike", () => {
    expect(tagEvent("urn:xmpp:sm:3", "r")).toBe("stanza/urn:xmpp:sm:3:r");
    expect(tagEvent(undefined, "handshake")).toBe("stanza/handshake");
    const register = iq({ type: "get", id: "1" }).c("query", { xmlns: "jabber:iq:register" }).root();
    expect(stanzaEvent(register, false)).toBe("stanza/iq/jabber:iq:register:query");
    expect(stanzaEvent(iq({ type: "result", id: "1" }), false)).toBe("stanza/iq");
    expect(stanzaEvent(new Element("r", { xmlns: "urn:xmpp:sm:3" }), true)).toBe("stanza/urn:xmpp:sm:3:r");
  });
});

describe("the router applies the verdict", () => {
  let t: TestServer | undefined;
  afterEach(async () => {
    await t?.stop();
    t = undefined;
  });

  it("ends the session through the session manager, before any handler or address check", async () => {
    t = await createTestServer({ config: { hosts: { localhost: {} } } });
    const closed: (string | undefined)[] = [];
    const sent: Element[] = [];
    const session: Session = {
      type: "c2s_unauthed",
      host: "localhost",
      send: (stanza) => sent.push(stanza),
      close: (reason) => closed.push(reason),
    };
    // A malformed address would get jid-malformed if the stanza got as far as routing.
    await t.server.process(session, message({ to: "@@bad" }));
    expect(closed).toEqual(["not-authorized: authenticate before sending stanzas"]);
    expect(sent).toEqual([]);

    // Hooked, the same element passes to its handler.
    const seen: string[] = [];
    t.server.host("localhost")!.events.hook("stanza/urn:example:x:ping", () => {
      seen.push("x");
      return true;
    });
    const hooked = new Element("ping", { xmlns: "urn:example:x" });
    await t.server.process({ ...session, type: "c2s" }, hooked);
    expect(seen).toEqual(["x"]);
    expect(closed).toHaveLength(1);
  });
});
