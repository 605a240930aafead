import { afterEach, describe, expect, it } from "vitest";
import { ask, outcome, request, serverWith, stopServers } from "./extensions.test-helper.js";

afterEach(stopServers);

describe("ping", () => {
  it("answers a ping to the server with an empty result, and advertises urn:xmpp:ping", async () => {
    const t = await serverWith(["disco", "ping"]);
    const alice = t.connect("alice@localhost/phone");
    const answer = await ask(alice, request("get", "localhost", "ping", "urn:xmpp:ping").stanza);
    expect(outcome(answer)).toBe("result");
    expect(answer.attrs.from).toBe("localhost");
    expect(answer.children).toHaveLength(0);
    const info = await ask(
      alice,
      request("get", "localhost", "query", "http://jabber.org/protocol/disco#info").stanza,
    );
    expect(info.toString()).toContain('var="urn:xmpp:ping"');
  });

  it("leaves a ping of type set to the router's service-unavailable", async () => {
    const t = await serverWith(["ping"]);
    const alice = t.connect("alice@localhost/phone");
    const answer = await ask(alice, request("set", "localhost", "ping", "urn:xmpp:ping").stanza);
    expect(outcome(answer)).toBe("cancel/service-unavailable");
  });
});
