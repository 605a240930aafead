import { afterEach, describe, expect, it } from "vitest";
import { ask, outcome, request, serverWith, stopServers } from "./extensions.test-helper.js";

afterEach(stopServers);

describe("time", () => {
  it("answers with a zero offset and the server clock's time in UTC", async () => {
    const t = await serverWith(["time"]);
    const alice = t.connect("alice@localhost/phone");
    const first = await ask(alice, request("get", "localhost", "time", "urn:xmpp:time").stanza);
    expect(outcome(first)).toBe("result");
    const payload = first.getChild("time", "urn:xmpp:time")!;
    expect(payload.getChildText("tzo")).toBe("+00:00");
    const utc = payload.getChildText("utc")!;
    expect(utc).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    expect(Date.parse(utc) / 1000).toBe(Math.floor(t.clock.now()));
    await t.clock.advance(3600);
    const later = await ask(alice, request("get", "localhost", "time", "urn:xmpp:time").stanza);
    const laterUtc = later.getChild("time", "urn:xmpp:time")!.getChildText("utc")!;
    expect((Date.parse(laterUtc) - Date.parse(utc)) / 1000).toBe(3600);
  });
});
