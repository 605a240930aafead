import { type Element, message, type Session } from "canto";
import { describe, expect, it } from "vitest";
import { addSendLayer } from "./send-layers.js";

/** A session whose `send` comes from its prototype, as transports' sessions do. */
function session(sent: string[]): Session {
  const proto = {
    send(this: Session, stanza: Element) {
      sent.push(`${this.host}:${stanza.attrs.id}`);
    },
  };
  return Object.assign(Object.create(proto), { host: "localhost" }) as Session;
}

describe("addSendLayer", () => {
  it("runs layers outermost first, lets each be removed in any order, and restores the inherited send", () => {
    const sent: string[] = [];
    const s = session(sent);
    const seen: string[] = [];
    const a = addSendLayer(s, (stanza, next) => {
      seen.push(`a${stanza.attrs.id}`);
      return next(stanza);
    });
    const b = addSendLayer(s, (stanza, next) => {
      seen.push(`b${stanza.attrs.id}`);
      return next(stanza);
    });
    s.send(message({ id: "1" }));
    expect(seen).toEqual(["b1", "a1"]);
    b.below(message({ id: "2" }));
    expect(seen).toEqual(["b1", "a1", "a2"]);
    a.remove();
    s.send(message({ id: "3" }));
    expect(seen).toEqual(["b1", "a1", "a2", "b3"]);
    b.remove();
    expect(Object.hasOwn(s, "send")).toBe(false);
    s.send(message({ id: "4" }));
    expect(seen).toHaveLength(4);
    expect(sent).toEqual(["localhost:1", "localhost:2", "localhost:3", "localhost:4"]);
  });

  it("restores a send the session had as its own property", () => {
    const calls: string[] = [];
    const s = session([]);
    const own = (stanza: Element) => calls.push(String(stanza.attrs.id));
    s.send = own;
    const layer = addSendLayer(s, (stanza, next) => next(stanza));
    s.send(message({ id: "x" }));
    layer.remove();
    expect(s.send).toBe(own);
    expect(calls).toEqual(["x"]);
  });

  it("keeps a higher-ranked layer outside whatever order the layers arrive in", () => {
    const sent: string[] = [];
    const s = session(sent);
    const seen: string[] = [];
    const holder = addSendLayer(
      s,
      (stanza, next) => {
        seen.push("holder");
        return next(stanza);
      },
      10,
    );
    const counter = addSendLayer(s, (stanza, next) => {
      seen.push("counter");
      return next(stanza);
    });
    s.send(message({ id: "1" }));
    expect(seen).toEqual(["holder", "counter"]);
    seen.length = 0;
    holder.below(message({ id: "2" }));
    expect(seen).toEqual(["counter"]);
    holder.remove();
    counter.remove();
    expect(Object.hasOwn(s, "send")).toBe(false);
  });
});
