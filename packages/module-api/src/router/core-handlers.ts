import { type Disposer, type Handler, isThenable } from "@canto/events";
import { bareOf, type Element } from "@canto/stanza";
import type { Host } from "../host.js";
import type { RoutingEvent } from "./router.js";
import type { SessionRegistry } from "./sessions.js";

/** Below every module's handlers: modules such as `message` and `presence` replace these defaults. */
export const DELIVERY_PRIORITY = -1000;

function firstChildElement(stanza: Element): Element | undefined {
  for (const child of stanza.children) if (typeof child === "object") return child as Element;
  return undefined;
}

/**
 * The routing every host has: the IQ fan-out (`iq/<to-type>/<ns>:<name>` then
 * `iq-get|set/<to-type>/<ns>:<name>`, and `iq-result|error/<to-type>/<id>`), and plain delivery
 * to bound sessions for stanzas no module claimed.
 */
export function installCoreHandlers(host: Host, sessions: SessionRegistry): Disposer {
  const events = host.events;
  const fanOut = (toType: "bare" | "host" | "self") => (event: RoutingEvent) => {
    const { stanza } = event;
    const type = stanza.attrs.type as string | undefined;
    if (type === "get" || type === "set") {
      const child = firstChildElement(stanza);
      if (child === undefined) return undefined;
      const payload = `${child.attrs.xmlns}:${child.name}`;
      const first = events.fire(`iq/${toType}/${payload}`, event);
      const second = () => events.fire(`iq-${type}/${toType}/${payload}`, event);
      if (isThenable(first)) return Promise.resolve(first).then((v) => (v === undefined ? second() : v));
      return first !== undefined ? first : second();
    }
    if (type === "result" || type === "error")
      return events.fire(`iq-${type}/${toType}/${stanza.attrs.id}`, event);
    return undefined;
  };

  const toSession = (event: RoutingEvent) => {
    const session = sessions.full(event.stanza.attrs.to as string);
    if (session === undefined) return undefined;
    session.send(event.stanza);
    return true;
  };

  const messageToBare = (event: RoutingEvent) => {
    const to = (event.stanza.attrs.to as string | undefined) ?? sessionBare(event.origin);
    const resources = to === undefined ? undefined : sessions.bare(to);
    if (resources === undefined) return undefined;
    let delivered = false;
    for (const session of resources.values()) {
      if ((session.priority ?? 0) < 0) continue;
      session.send(event.stanza);
      delivered = true;
    }
    return delivered ? true : undefined;
  };

  const presenceToBare = (event: RoutingEvent) => {
    const to = (event.stanza.attrs.to as string | undefined) ?? sessionBare(event.origin);
    for (const session of (to === undefined ? undefined : sessions.bare(to))?.values() ?? [])
      session.send(event.stanza);
    return true;
  };

  const handlers: [string, (event: RoutingEvent) => unknown, number][] = [
    ["iq/bare", fanOut("bare"), 0],
    ["iq/host", fanOut("host"), 0],
    ["iq/self", fanOut("self"), 0],
    ["iq/full", toSession, DELIVERY_PRIORITY],
    ["message/full", (e) => toSession(e) ?? messageToFullOffline(e, messageToBare), DELIVERY_PRIORITY],
    ["message/bare", messageToBare, DELIVERY_PRIORITY],
    ["presence/full", (e) => toSession(e) ?? true, DELIVERY_PRIORITY],
    ["presence/bare", presenceToBare, DELIVERY_PRIORITY],
  ];
  for (const [name, handler, priority] of handlers) events.hook(name, handler as Handler, priority);
  return () => {
    for (const [name, handler] of handlers) events.unhook(name, handler as Handler);
  };
}

/** A chat or normal message to an offline resource goes to the bare JID; other types are dropped. */
function messageToFullOffline(event: RoutingEvent, toBare: (event: RoutingEvent) => unknown): unknown {
  const type = (event.stanza.attrs.type as string | undefined) ?? "normal";
  if (type !== "chat" && type !== "normal") return true;
  const bareEvent: RoutingEvent = { ...event };
  const original = event.stanza.attrs.to;
  event.stanza.attrs.to = bareOf(original as string);
  try {
    return toBare(bareEvent);
  } finally {
    event.stanza.attrs.to = original;
  }
}

function sessionBare(session: { username?: string | undefined; host: string }): string | undefined {
  return session.username === undefined ? undefined : `${session.username}@${session.host}`;
}
