import { domainOf, type Element, nodeOf, resourceOf, StanzaError } from "@canto/stanza";
import type { Module } from "./module.js";
import type { RoutingEvent } from "./router/router.js";
import type { Session } from "./router/session.js";

/** The kind of our own address, as Prosody keys IQ tracking: `host`, `bare` or `full`. */
function addressKind(from: string | undefined): "host" | "bare" | "full" {
  if (from === undefined || nodeOf(from) === undefined) return "host";
  return resourceOf(from) === undefined ? "bare" : "full";
}

/**
 * `module.sendIq`: tracks one IQ per `<kind>/<id>` in the module, resolves with the reply event,
 * rejects with a `StanzaError`. Unlike Prosody, a duplicate id rejects only the new request, an
 * evicted request cleans up after itself, and unload rejects what is pending.
 */
export function sendIq(
  module: Module,
  stanza: Element,
  origin: Session,
  timeout: number,
  maxInFlight: number,
): Promise<RoutingEvent> {
  const attrs = stanza.attrs as Record<string, string | undefined>;
  if (stanza.name !== "iq" || (attrs.type !== "get" && attrs.type !== "set") || !attrs.id) {
    return Promise.reject(
      new StanzaError({
        type: "modify",
        condition: "bad-request",
        text: "sendIq needs an iq of type get or set with an id",
      }),
    );
  }
  const id = attrs.id;
  const kind = addressKind(attrs.from);
  const key = `${kind}/${id}`;
  if (module.pendingIqs.has(key)) {
    return Promise.reject(
      new StanzaError({ type: "modify", condition: "conflict", text: "IQ stanza id attribute already used" }),
    );
  }
  if (module.pendingIqs.size >= maxInFlight) {
    const [oldest, evict] = module.pendingIqs.entries().next().value as [
      string,
      (reason: StanzaError) => void,
    ];
    module.pendingIqs.delete(oldest);
    evict(
      new StanzaError({
        type: "wait",
        condition: "resource-constraint",
        text: "evicted from iq tracking cache",
      }),
    );
  }

  return new Promise<RoutingEvent>((resolve, reject) => {
    let settled = false;
    const disposers: (() => void)[] = [];
    const finish = () => {
      settled = true;
      if (module.pendingIqs.get(key) === fail) module.pendingIqs.delete(key);
      for (const dispose of disposers) dispose();
    };
    const fail = (error: StanzaError) => {
      if (settled) return;
      finish();
      reject(error);
    };
    const answer = (event: RoutingEvent) => {
      if (settled) return;
      finish();
      if (event.stanza.attrs.type === "error") reject(StanzaError.fromStanza(event.stanza, { event }));
      else resolve(event);
    };
    module.pendingIqs.set(key, fail);

    const matches = (reply: Element) =>
      (reply.attrs.type === "result" || reply.attrs.type === "error") &&
      reply.attrs.id === id &&
      reply.attrs.from === attrs.to;
    const onReply = (event: RoutingEvent) => {
      if (!matches(event.stanza)) return undefined;
      answer(event);
      return true;
    };
    // Replies arrive on the host our own address belongs to.
    const runtime = module.runtime;
    const bus = (attrs.from !== undefined ? runtime.host(domainOf(attrs.from)) : undefined)?.events;
    const hookOn = (event: string) =>
      disposers.push(bus ? module.hookObjectEvent(bus, event, onReply, 1) : module.hook(event, onReply, 1));
    if (kind === "full") hookOn("iq/full");
    else {
      hookOn(`iq-result/${kind}/${id}`);
      hookOn(`iq-error/${kind}/${id}`);
    }
    const timer = module.addTimer(timeout, () => {
      fail(
        new StanzaError({ type: "wait", condition: "remote-server-timeout", text: "IQ stanza timed out" }),
      );
    });
    disposers.push(() => timer.stop());

    // A locally answered IQ is answered through the origin, not routed back: catch it there.
    const wrapped: Session = Object.create(origin, {
      send: {
        value(reply: Element) {
          if (
            reply.name === "iq" &&
            reply.attrs.id === id &&
            (reply.attrs.type === "result" || reply.attrs.type === "error")
          ) {
            answer({ origin, stanza: reply });
          }
          return origin.send(reply);
        },
      },
    });
    try {
      module.send(stanza, wrapped);
    } catch (error) {
      fail(
        error instanceof StanzaError
          ? error
          : new StanzaError({
              type: "wait",
              condition: "internal-server-error",
              text: String(error),
              cause: error,
            }),
      );
    }
  });
}

/** The error unload gives pending requests. */
export function unloadedError(moduleName: string, reason: string): StanzaError {
  return new StanzaError({
    type: "cancel",
    condition: "service-unavailable",
    text: `${reason}: ${moduleName}`,
  });
}
