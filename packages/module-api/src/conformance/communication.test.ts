import { type Element, iq, message, StanzaError } from "@canto/stanza";
import { afterEach, describe, expect, it } from "vitest";
import type { RoutingEvent } from "../router/router.js";
import type { TestServer } from "../testing.js";
import { withModule } from "./helpers.test-helper.js";

let current: TestServer | undefined;
afterEach(async () => {
  await current?.stop();
  current = undefined;
});

const ping = (id: string, to = "localhost", from = "localhost") =>
  iq({ type: "get", id, to, from }).c("ping", { xmlns: "urn:xmpp:ping" }).root();

describe("module:send() → send", () => {
  it("routes a stanza from the host to a bound session", async () => {
    const t = await withModule(() => {});
    current = t;
    const alice = t.connect("alice@localhost/phone");
    t.module.send(message({ to: "alice@localhost/phone", from: "localhost", type: "chat" }, "hello"));
    expect(alice.received).toHaveLength(1);
    expect(alice.received[0]!.getChildText("body")).toBe("hello");
  });

  it("needs an origin in a global module", async () => {
    const t = await withModule((m) => m.setGlobal());
    current = t;
    expect(() => t.module.send(message({ to: "alice@localhost" }))).toThrow(
      expect.objectContaining({ code: "no-origin" }),
    );
  });
});

describe("module:broadcast() → broadcast", () => {
  it("sends a copy to each JID, with its own to, leaving the original untouched", async () => {
    const t = await withModule(() => {});
    current = t;
    const alice = t.connect("alice@localhost/a");
    const bob = t.connect("bob@localhost/b");
    const notice = message({ from: "localhost", type: "headline" }, "maintenance at noon");
    t.module.broadcast(["alice@localhost/a", "bob@localhost/b"], notice);
    expect(alice.received[0]!.attrs.to).toBe("alice@localhost/a");
    expect(bob.received[0]!.attrs.to).toBe("bob@localhost/b");
    expect(alice.received[0]).not.toBe(bob.received[0]);
    expect(notice.attrs.to).toBeUndefined();
  });
});

describe("module:send_iq() → sendIq", () => {
  it("resolves with the reply event of a responder on another host", async () => {
    const t = await withModule(() => {}, { config: { hosts: { localhost: {}, "pong.example": {} } } });
    current = t;
    t.server.host("pong.example")!.events.hook("iq-get/host/urn:xmpp:ping:ping", (e) => {
      const { stanza, origin } = e as RoutingEvent;
      origin.send(
        iq({
          type: "result",
          id: stanza.attrs.id as string,
          to: stanza.attrs.from as string,
          from: "pong.example",
        }),
      );
      return true;
    });
    const reply = await t.module.sendIq(ping("p1", "pong.example"));
    expect(reply.stanza.attrs).toMatchObject({ type: "result", id: "p1", from: "pong.example" });
    expect(t.module.pendingIqs.size).toBe(0);
  });

  it("rejects with the StanzaError of an error reply", async () => {
    const t = await withModule(() => {});
    current = t;
    // Nobody handles the ping: the router answers service-unavailable.
    const error = await t.module.sendIq(ping("p2")).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(StanzaError);
    expect(error).toMatchObject({ type: "cancel", condition: "service-unavailable" });
  });

  it("rejects with remote-server-timeout after the timeout (120 s by default)", async () => {
    const t = await withModule(() => {}, { config: { hosts: { localhost: {}, "slow.example": {} } } });
    current = t;
    t.server.host("slow.example")!.events.hook("iq-get/host/urn:xmpp:ping:ping", () => true);
    const pending = t.module.sendIq(ping("p3", "slow.example")).catch((e: unknown) => e);
    await t.clock.advance(119);
    expect(t.module.pendingIqs.size).toBe(1);
    await t.clock.advance(2);
    expect(await pending).toMatchObject({ type: "wait", condition: "remote-server-timeout" });
    expect(t.module.pendingIqs.size).toBe(0);
    const custom = t.module.sendIq(ping("p4", "slow.example"), undefined, 5).catch((e: unknown) => e);
    await t.clock.advance(6);
    expect(await custom).toMatchObject({ condition: "remote-server-timeout" });
  });

  it("rejects only the new request when an id is reused (conflict)", async () => {
    const t = await withModule(() => {}, { config: { hosts: { localhost: {}, "pong.example": {} } } });
    current = t;
    const held: RoutingEvent[] = [];
    t.server.host("pong.example")!.events.hook("iq-get/host/urn:xmpp:ping:ping", (e) => {
      held.push(e as RoutingEvent);
      return true;
    });
    const first = t.module.sendIq(ping("same", "pong.example"));
    const second = await t.module.sendIq(ping("same", "pong.example")).catch((e: unknown) => e);
    expect(second).toMatchObject({ type: "modify", condition: "conflict" });
    const request = held[0]!;
    request.origin.send(iq({ type: "result", id: "same", to: "localhost", from: "pong.example" }));
    expect((await first).stanza.attrs.id).toBe("same");
  });

  it("rejects the oldest request with resource-constraint beyond 256 in flight", async () => {
    const t = await withModule(() => {}, { config: { hosts: { localhost: {}, "slow.example": {} } } });
    current = t;
    t.server.host("slow.example")!.events.hook("iq-get/host/urn:xmpp:ping:ping", () => true);
    const outcomes: unknown[] = [];
    for (let i = 0; i < 257; i++) {
      t.module.sendIq(ping(`q${i}`, "slow.example")).catch((e: unknown) => outcomes.push([i, e]));
    }
    await Promise.resolve();
    await Promise.resolve();
    expect(outcomes).toHaveLength(1);
    expect(outcomes[0]).toEqual([
      0,
      expect.objectContaining({ type: "wait", condition: "resource-constraint" }),
    ]);
    expect(t.module.pendingIqs.size).toBe(256);
  });

  it("rejects pending requests when the module unloads, and removes their hooks and timers", async () => {
    const t = await withModule(() => {}, { config: { hosts: { localhost: {}, "slow.example": {} } } });
    current = t;
    t.server.host("slow.example")!.events.hook("iq-get/host/urn:xmpp:ping:ping", () => true);
    const pending = t.module.sendIq(ping("u1", "slow.example")).catch((e: unknown) => e);
    const bus = t.server.host("localhost")!.events;
    expect(bus.getHandlers("iq-result/host/u1")).toHaveLength(1);
    const timersBefore = t.server.scheduler.size;
    await t.server.manager.unload("localhost", "test");
    expect(await pending).toMatchObject({ condition: "service-unavailable" });
    expect(bus.getHandlers("iq-result/host/u1")).toBeUndefined();
    expect(bus.getHandlers("iq-error/host/u1")).toBeUndefined();
    expect(t.server.scheduler.size).toBe(timersBefore - 1);
  });

  it("matches a reply only when from, id and type all match", async () => {
    const t = await withModule(() => {}, { config: { hosts: { localhost: {}, "pong.example": {} } } });
    current = t;
    let request: RoutingEvent | undefined;
    t.server.host("pong.example")!.events.hook("iq-get/host/urn:xmpp:ping:ping", (e) => {
      request = e as RoutingEvent;
      return true;
    });
    let settled = false;
    const pending = t.module.sendIq(ping("m1", "pong.example")).then((r) => {
      settled = true;
      return r;
    });
    const host = t.server.hostSession("pong.example");
    // A spoofed reply from another address is not taken for the answer.
    t.server.post(host, iq({ type: "result", id: "m1", to: "localhost", from: "evil.example" }) as Element);
    await Promise.resolve();
    expect(settled).toBe(false);
    request!.origin.send(iq({ type: "result", id: "m1", to: "localhost", from: "pong.example" }));
    expect((await pending).stanza.attrs.from).toBe("pong.example");
  });
});
