import type { Logger } from "@canto/events";
import { domainOf, type Element, errorReply, JidError, nodeOf, parseJid, resourceOf } from "@canto/stanza";
import type { Host } from "../host.js";
import { refuseIqWithoutOnePayload } from "./iq-payload.js";
import type { Session } from "./session.js";
import type { SessionRegistry } from "./sessions.js";
import { stanzaEvent } from "./stanza-event.js";
import { isNamespaced, isStanzaName, streamVerdict } from "./stream-verdict.js";

/** What the router needs of the server: hosts by name, bound sessions, somewhere to log. */
export interface RouterContext {
  host(name: string): Host | undefined;
  readonly sessions: SessionRegistry;
  /** Where routing problems go (the one logger shape of @canto/events). */
  readonly logger: Pick<Logger, "warn">;
  /** Ends a network session with a stream error (the session manager's `destroy`). */
  endSession?(session: Session, condition: string, text: string): void;
}

/** The data of every routing event. */
export interface RoutingEvent {
  origin: Session;
  stanza: Element;
  /** Set when a client addressed its own bare JID (`to` is then removed). */
  to_self?: boolean;
}

/** Authenticated network sessions: their stanzas are routed, not negotiated. */
const routesStanzas = (type: string) =>
  type === "c2s" || type === "s2sin" || type === "s2sout" || type === "component";

function isErrorOrResult(stanza: Element): boolean {
  const type = stanza.attrs.type;
  return type === "error" || (stanza.name === "iq" && type === "result");
}

function isThenable(value: unknown): value is PromiseLike<unknown> {
  return (
    value !== null && typeof value === "object" && typeof (value as { then?: unknown }).then === "function"
  );
}

/**
 * Prosody's stanza router: `process` takes a stanza from a session (validation, `pre-stanza`,
 * `stanza/*` for negotiation), `post` fires the routing events on the destination host. Each
 * session's stanzas are handled in order, even when a handler awaits; sessions don't wait for each
 * other.
 */
export class Router {
  readonly #context: RouterContext;

  constructor(context: RouterContext) {
    this.#context = context;
  }

  /**
   * Handles a stanza a session sent. Returns a promise only while a handler awaits (or while an
   * earlier stanza of the same session still does).
   */
  process(origin: Session, stanza: Element): void | Promise<void> {
    const tail = origin.queueTail;
    if (tail !== undefined)
      return this.#enqueue(
        origin,
        tail.then(() => this.#processNow(origin, stanza)),
      );
    const result = this.#processNow(origin, stanza);
    if (isThenable(result)) return this.#enqueue(origin, result);
    return undefined;
  }

  #enqueue(origin: Session, work: PromiseLike<unknown>): Promise<void> {
    const tail: Promise<void> = Promise.resolve(work).then(
      () => {
        if (origin.queueTail === tail) origin.queueTail = undefined;
      },
      (error: unknown) => {
        if (origin.queueTail === tail) origin.queueTail = undefined;
        this.#context.logger.warn(
          { err: error, session: origin.fullJid ?? origin.host },
          "error while handling a stanza",
        );
      },
    );
    origin.queueTail = tail;
    return tail;
  }

  #processNow(origin: Session, stanza: Element): unknown {
    if (refuseIqWithoutOnePayload(origin, stanza)) return undefined;
    const attrs = stanza.attrs as Record<string, string | undefined>;
    const namespaced = isNamespaced(origin, stanza);
    const routed = routesStanzas(origin.type) && !namespaced && isStanzaName(stanza.name);
    if (!routed && this.#refused(origin, stanza, namespaced)) return true;
    if (origin.type === "c2s" && !namespaced) {
      if (origin.fullJid === undefined && !isBindRequest(stanza)) {
        // Authenticated but not bound: only resource binding is allowed yet.
        if (!isErrorOrResult(stanza)) origin.send(errorReply(stanza, "auth", "not-authorized"));
        return undefined;
      }
      if (origin.fullJid !== undefined) attrs.from = origin.fullJid;
    }
    if (attrs.to !== undefined && !this.#normaliseAddress(origin, stanza, "to")) return undefined;
    if (
      attrs.from !== undefined &&
      origin.fullJid === undefined &&
      !this.#normaliseAddress(origin, stanza, "from")
    ) {
      return undefined;
    }

    if (routed) {
      // An unbound client only gets here with a bind request: no pre-events for it, as in Prosody.
      if (origin.type === "c2s" && origin.fullJid !== undefined) {
        const host = this.#context.host(origin.host);
        const halted = host?.events.fire("pre-stanza", { origin, stanza });
        if (isThenable(halted)) {
          return Promise.resolve(halted).then((value) =>
            value === undefined ? this.post(origin, stanza, true) : value,
          );
        }
        if (halted !== undefined) return halted;
      }
      return this.post(origin, stanza, origin.type === "c2s" && origin.fullJid !== undefined);
    }

    return this.#negotiate(origin, stanza, namespaced);
  }

  /**
   * The stream verdict on an element that is not routed and that nobody hooked (before its
   * addresses are even looked at): true when the session was ended for it.
   */
  #refused(origin: Session, stanza: Element, namespaced: boolean): boolean {
    const end = this.#context.endSession;
    if (end === undefined) return false;
    const host = this.#context.host((stanza.attrs.to as string | undefined) ?? origin.host);
    const hooked = host?.events.getHandlers(stanzaEvent(stanza, namespaced)) !== undefined;
    const verdict = streamVerdict(origin, stanza, hooked);
    if (verdict === undefined) return false;
    end(origin, verdict.condition, verdict.text);
    return true;
  }

  /** Negotiation and unauthenticated traffic: `stanza/<xmlns>:<name>` (or the stanza's). */
  #negotiate(origin: Session, stanza: Element, namespaced: boolean): unknown {
    const host = this.#context.host((stanza.attrs.to as string | undefined) ?? origin.host);
    const handled = host?.events.fire(stanzaEvent(stanza, namespaced), { origin, stanza });
    const fallback = () => this.#unhandled(origin, stanza);
    if (isThenable(handled))
      return Promise.resolve(handled).then((value) => (value === undefined ? fallback() : value));
    if (handled !== undefined) return handled;
    return fallback();
  }

  /** Prepares `to` or `from`; a malformed address is answered `jid-malformed` and the stanza dropped. */
  #normaliseAddress(origin: Session, stanza: Element, which: "to" | "from"): boolean {
    const attrs = stanza.attrs as Record<string, string>;
    const value = attrs[which]!;
    // Addresses already known in their prepared form need no stringprep: the common case.
    const sessions = this.#context.sessions;
    if (sessions.full(value) || sessions.bare(value) || this.#context.host(value)) return true;
    try {
      const { node, domain, resource } = parseJid(value);
      const bareJid = node === undefined ? domain : `${node}@${domain}`;
      attrs[which] = resource === undefined ? bareJid : `${bareJid}/${resource}`;
      return true;
    } catch (error) {
      const reason = error instanceof JidError ? error.message : String(error);
      this.#context.logger.warn({ address: value, reason }, `stanza with invalid ${which} address`);
      if (!isErrorOrResult(stanza)) {
        const text = `The ${which === "to" ? "destination" : "source"} address is invalid: ${value} (${reason})`;
        origin.send(errorReply(stanza, "modify", "jid-malformed", text));
      }
      return false;
    }
  }

  /**
   * Prosody's `core_post_stanza`: fires `pre-<kind><to-type>` (for clients), then
   * `<kind>/full|bare|host` and `<kind>/self` on the destination host, answering what nobody
   * handled; other domains go to `route/remote`.
   */
  post(origin: Session, stanza: Element, preEvents = false): unknown {
    const attrs = stanza.attrs as Record<string, string | undefined>;
    const to = attrs.to;
    let node: string | undefined;
    let domain: string | undefined;
    let resource: string | undefined;
    if (to !== undefined) {
      node = nodeOf(to);
      domain = domainOf(to);
      resource = resourceOf(to);
    }
    let toType: "/full" | "/bare" | "/host";
    let toSelf = false;
    if (node !== undefined) {
      if (resource !== undefined) toType = "/full";
      else {
        toType = "/bare";
        if (node === origin.username && domain === origin.host && origin.type === "c2s") {
          delete attrs.to;
          toSelf = true;
        }
      }
    } else if (domain !== undefined) toType = "/host";
    else {
      toType = "/bare";
      toSelf = true;
    }
    const event: RoutingEvent = { origin, stanza, to_self: toSelf };

    if (preEvents) {
      const pre = this.#context.host(origin.host)?.events.fire(`pre-${stanza.name}${toType}`, event);
      if (isThenable(pre)) {
        return Promise.resolve(pre).then((value) =>
          value === undefined ? this.#deliver(origin, stanza, event, toType, node, domain) : value,
        );
      }
      if (pre !== undefined) return pre;
    }
    return this.#deliver(origin, stanza, event, toType, node, domain);
  }

  #deliver(
    origin: Session,
    stanza: Element,
    event: RoutingEvent,
    toType: string,
    node: string | undefined,
    domain: string | undefined,
  ): unknown {
    const bareJid = node === undefined ? domain : `${node}@${domain}`;
    const host =
      (bareJid !== undefined ? this.#context.host(bareJid) : undefined) ??
      this.#context.host(domain ?? origin.host);
    if (host === undefined) return this.#routeRemote(origin, stanza, domain!);
    const handled = host.events.fire(`${stanza.name}${toType}`, event);
    const afterMain = (value: unknown): unknown => {
      if (value !== undefined) return value;
      if (event.to_self) {
        const self = host.events.fire(`${stanza.name}/self`, event);
        if (isThenable(self)) {
          return Promise.resolve(self).then((v) => (v === undefined ? this.#unhandled(origin, stanza) : v));
        }
        if (self !== undefined) return self;
      }
      return this.#unhandled(origin, stanza);
    };
    return isThenable(handled) ? Promise.resolve(handled).then(afterMain) : afterMain(handled);
  }

  #routeRemote(origin: Session, stanza: Element, toHost: string): unknown {
    const fromAttr = stanza.attrs.from as string | undefined;
    const fromHost = fromAttr === undefined ? origin.host : domainOf(fromAttr) || origin.host;
    const host = this.#context.host(fromHost) ?? this.#context.host(origin.host);
    const handled = host?.events.fire("route/remote", {
      origin,
      stanza,
      from_host: fromHost,
      to_host: toHost,
    });
    const fallback = (value: unknown) => {
      if (value !== undefined) return value;
      if (!isErrorOrResult(stanza)) {
        origin.send(
          errorReply(stanza, "cancel", "not-allowed", "Communication with remote domains is not enabled"),
        );
      }
      return true;
    };
    return isThenable(handled) ? Promise.resolve(handled).then(fallback) : fallback(handled);
  }

  /** Unhandled get/set IQs and messages are answered `service-unavailable`; the rest is dropped. */
  #unhandled(origin: Session, stanza: Element): boolean {
    if (isErrorOrResult(stanza)) return false;
    if (stanza.name === "iq" || stanza.name === "message") {
      origin.send(errorReply(stanza, "cancel", "service-unavailable"));
      return true;
    }
    return false;
  }
}

function firstChildElement(stanza: Element): Element | undefined {
  for (const child of stanza.children) if (typeof child === "object") return child as Element;
  return undefined;
}

function isBindRequest(stanza: Element): boolean {
  if (stanza.name !== "iq" || stanza.attrs.type !== "set") return false;
  const child = firstChildElement(stanza);
  return child?.name === "bind" && child.attrs.xmlns === "urn:ietf:params:xml:ns:xmpp-bind";
}
