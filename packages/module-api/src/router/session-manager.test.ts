import type { Element } from "@canto/stanza";
import { afterEach, describe, expect, it } from "vitest";
import { createTestServer, type TestServer } from "../testing.js";
import type { Session } from "./session.js";

let current: TestServer | undefined;
afterEach(async () => {
  await current?.stop();
  current = undefined;
});

function rawSession(host = "localhost"): Session & { closed?: string; got: Element[] } {
  const session: Session & { closed?: string; got: Element[] } = {
    type: "c2s_unauthed",
    host,
    got: [],
    send: (stanza) => void session.got.push(stanza),
    close: (reason) => {
      session.closed = reason ?? "closed";
    },
  };
  return session;
}

describe("SessionManager", () => {
  it("authenticates, binds and destroys, firing the events modules react to", async () => {
    const t = await createTestServer();
    current = t;
    const events: string[] = [];
    const bus = t.server.host("localhost")!.events;
    for (const name of ["authentication-success", "resource-bind", "resource-unbind"]) {
      bus.hook(name, () => void events.push(name));
    }
    const s = rawSession();
    t.server.sessionManager.authenticate(s, "alice");
    expect(s.type).toBe("c2s");
    expect(t.server.sessionManager.bind(s, "phone")).toBe("alice@localhost/phone");
    expect(t.server.sessions.full("alice@localhost/phone")).toBe(s);
    t.server.sessionManager.destroy(s, "connection-timeout");
    expect(t.server.sessions.full("alice@localhost/phone")).toBeUndefined();
    expect(s.closed).toBe("connection-timeout");
    expect(events).toEqual(["authentication-success", "resource-bind", "resource-unbind"]);
  });

  it("refuses to bind before authentication, and binding twice", async () => {
    const t = await createTestServer();
    current = t;
    const s = rawSession();
    expect(() => t.server.sessionManager.bind(s, "x")).toThrow(
      expect.objectContaining({ condition: "not-allowed" }),
    );
    t.server.sessionManager.authenticate(s, "alice");
    t.server.sessionManager.bind(s, "x");
    expect(() => t.server.sessionManager.bind(s, "y")).toThrow(/already bound/);
  });

  it.each([
    ["kick_old", "phone", true],
    ["kick_new", undefined, false],
    ["increment", "phone#2", false],
  ] as const)("resolves a resource conflict with on_conflict = %s", async (policy, resource, oldKicked) => {
    const t = await createTestServer({ config: { on_conflict: policy, hosts: { localhost: {} } } as never });
    current = t;
    const first = rawSession();
    t.server.sessionManager.authenticate(first, "alice");
    t.server.sessionManager.bind(first, "phone");
    const second = rawSession();
    t.server.sessionManager.authenticate(second, "alice");
    if (resource === undefined) {
      expect(() => t.server.sessionManager.bind(second, "phone")).toThrow(
        expect.objectContaining({ condition: "conflict" }),
      );
    } else {
      expect(t.server.sessionManager.bind(second, "phone")).toBe(`alice@localhost/${resource}`);
    }
    expect(first.closed !== undefined).toBe(oldKicked);
  });

  it("gives a random resource when none is asked for", async () => {
    const t = await createTestServer();
    current = t;
    const s = rawSession();
    t.server.sessionManager.authenticate(s, "bob");
    expect(t.server.sessionManager.bind(s)).toMatch(/^bob@localhost\/canto-[a-z0-9]+$/);
  });
});
