import { afterEach, describe, expect, it } from "vitest";
import { ask, outcome, request, serverWith, stopServers } from "./extensions.test-helper.js";

afterEach(stopServers);

describe("uptime", () => {
  it("answers the host's jabber:iq:last with the seconds since the server started", async () => {
    const t = await serverWith(["uptime"]);
    const alice = t.connect("alice@localhost/phone");
    await t.clock.advance(90);
    const answer = await ask(alice, request("get", "localhost", "query", "jabber:iq:last").stanza);
    expect(outcome(answer)).toBe("result");
    expect(answer.getChild("query", "jabber:iq:last")!.attrs.seconds).toBe("90");
  });

  it("keeps counting from the server start across a reload", async () => {
    const t = await serverWith(["uptime"]);
    await t.clock.advance(30);
    await t.server.manager.reload("localhost", "uptime");
    await t.clock.advance(12);
    const answer = await ask(
      t.connect("a@localhost/r"),
      request("get", "localhost", "query", "jabber:iq:last").stanza,
    );
    expect(answer.getChild("query", "jabber:iq:last")!.attrs.seconds).toBe("42");
  });
});
