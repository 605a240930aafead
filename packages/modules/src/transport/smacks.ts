import { randomBytes } from "node:crypto";
import { Element, type Module, type Session, stanza as st } from "canto";
import type { StreamFeaturesEvent } from "../shared/contracts.js";
import { NS } from "../shared/contracts.js";
import { reloadableOptions } from "../shared/options.js";
import { addSendLayer } from "../shared/send-layers.js";
import { redeliver } from "./smacks-redeliver.js";
import {
  add32,
  diff32,
  isStanza,
  NS_SM,
  parseH,
  type ResumableSession,
  type SmState,
} from "./smacks-state.js";

/**
 * Stream management (XEP-0198): acknowledgements both ways, an outgoing queue of unacknowledged
 * stanzas, and resumption. A resumable session whose connection drops without a stream close
 * hibernates (c2s's `c2s-disconnect`): it stays bound and queues what it is sent, for
 * `smacks_hibernation_time`; a `<resume/>` on a new authenticated stream lets that connection
 * take it over and sends the queue again. When the session ends for good, what it never
 * acknowledged is routed again (smacks-redeliver.ts).
 */
export default function smacks(module: Module): void {
  // Components keep smacks from the global modules (as in Prosody, for s2s); only client streams
  // are managed here.
  if (module.getHostType() !== "local") return;
  // A reload changes what new and running sessions get from now on; a hibernation already counting
  // down keeps its deadline.
  const options = reloadableOptions(module, () => ({
    hibernationTime: module.getOptionPeriod("smacks_hibernation_time", 600, 0),
    maxUnacked: module.getOptionInteger("smacks_max_unacked_stanzas", 0, 0),
    maxQueue: module.getOptionInteger("smacks_max_queue_size", 500, 1),
  }));
  const clock = module.server.scheduler.clock;
  const states = new Map<Session, SmState>();
  const tokens = new Map<string, ResumableSession>();

  const nonza = (name: string, attrs: Record<string, string> = {}) =>
    new Element(name, { xmlns: NS_SM, ...attrs });
  const failed = (condition: string, attrs: Record<string, string> = {}) =>
    nonza("failed", attrs).c(condition, { xmlns: NS.stanzas }).root();

  /** A stream error with an application condition, then the close (RFC 6120 §4.9.4). */
  const streamError = (
    session: Session,
    condition: st.StreamErrorCondition,
    text: string,
    extra?: Element,
  ) => {
    const error = st.streamError(condition, text, extra);
    delete error.attrs["xmlns:stream"];
    session.send(error);
    module.server.sessionManager.destroy(session, undefined);
  };

  const requestAck = (session: Session, state: SmState) => {
    if (state.awaitingAck || (session as ResumableSession).hibernating === true) return;
    state.awaitingAck = true;
    // After the current burst of stanzas, one request covers them all.
    queueMicrotask(() => {
      if (states.get(session) === state && state.awaitingAck) state.rawSend(nonza("r"));
    });
  };

  const enable = (session: ResumableSession, resume: boolean, clientMax: number | undefined): SmState => {
    // Counted and queued on the way out; anything else, or after forget(), passes straight on.
    const layer = addSendLayer(session, (element, next) => {
      if (!isStanza(element) || states.get(session) !== state) return next(element);
      state.queue.push({ stanza: element, at: clock.now() });
      const result = next(element);
      if (state.queue.length > options().maxQueue) {
        queueMicrotask(() => {
          if (states.get(session) !== state) return;
          module.log("info", "%s: %d stanzas unacknowledged, closing", session.fullJid, state.queue.length);
          module.server.sessionManager.destroy(
            session,
            "resource-constraint",
            "too many unacknowledged stanzas",
          );
        });
      } else if (state.queue.length > options().maxUnacked) {
        requestAck(session, state);
      }
      return result;
    });
    const state: SmState = {
      handledIn: 0,
      queue: [],
      ackedOut: 0,
      awaitingAck: false,
      token: undefined,
      maxHibernation:
        clientMax === undefined ? options().hibernationTime : Math.min(clientMax, options().hibernationTime),
      hibernation: undefined,
      rawSend: layer.below,
      unwrap: layer.remove,
    };
    if (resume) {
      state.token = randomBytes(18).toString("base64url");
      tokens.set(state.token, session);
    }
    states.set(session, state);
    return state;
  };

  /** Forgets a session's stream management, taking its layer off `send`. */
  const forget = (session: Session, state: SmState) => {
    states.delete(session);
    if (state.token !== undefined) tokens.delete(state.token);
    state.hibernation?.stop();
    state.hibernation = undefined;
    state.unwrap();
  };

  /** Drops what `h` acknowledges; false (and nothing dropped) when `h` is more than was sent. */
  const acknowledge = (state: SmState, h: number): boolean => {
    const count = diff32(h, state.ackedOut);
    if (count > state.queue.length) return false;
    state.queue.splice(0, count);
    state.ackedOut = h;
    return true;
  };

  const tooHigh = (state: SmState, h: number) =>
    new Element("handled-count-too-high", {
      xmlns: NS_SM,
      h: String(h),
      "send-count": String(add32(state.ackedOut, state.queue.length)),
    });

  module.hook("stream-features", (event: StreamFeaturesEvent) => {
    if (event.origin.type === "c2s" && !states.has(event.origin)) event.features.c("sm", { xmlns: NS_SM });
  });

  // Every stanza a bound client sends passes here; counting first keeps `h` right even when a later
  // handler fails.
  module.hook(
    "pre-stanza",
    ({ origin }: { origin: Session }) => {
      const state = states.get(origin);
      if (state !== undefined) state.handledIn = add32(state.handledIn, 1);
    },
    1000,
  );

  module.hookTag(NS_SM, "enable", (origin, element) => {
    const session = origin as ResumableSession;
    if (session.type !== "c2s" || session.fullJid === undefined) {
      session.send(failed("unexpected-request"));
      return true;
    }
    if (states.has(session)) {
      session.send(failed("unexpected-request"));
      return true;
    }
    const resume = element.attrs.resume === "true" || element.attrs.resume === "1";
    const max = parseH(element.attrs.max);
    // Resumption is promised only where it can happen: the transport lets a new connection take
    // the session over (`carry`).
    const resumable = resume && options().hibernationTime > 0 && typeof session.carry === "function";
    const state = enable(session, resumable, max === 0 ? undefined : max);
    const attrs: Record<string, string> = {};
    if (state.token !== undefined) {
      attrs.id = state.token;
      attrs.resume = "true";
      attrs.max = String(state.maxHibernation);
    }
    state.rawSend(nonza("enabled", attrs));
    module.log(
      "debug",
      "%s enabled stream management%s",
      session.fullJid,
      state.token !== undefined ? " with resumption" : "",
    );
    return true;
  });

  module.hookTag(NS_SM, "r", (origin) => {
    const state = states.get(origin);
    if (state === undefined) {
      origin.send(failed("unexpected-request"));
      return true;
    }
    state.rawSend(nonza("a", { h: String(state.handledIn) }));
    return true;
  });

  module.hookTag(NS_SM, "a", (origin, element) => {
    const state = states.get(origin);
    if (state === undefined) {
      origin.send(failed("unexpected-request"));
      return true;
    }
    const h = parseH(element.attrs.h);
    if (h === undefined) {
      streamError(
        origin,
        "invalid-xml",
        `<a/> needs h, an unsigned 32-bit integer (got ${String(element.attrs.h)})`,
      );
      return true;
    }
    const before = state.queue.length;
    if (!acknowledge(state, h)) {
      streamError(
        origin,
        "undefined-condition",
        `you acknowledged ${diff32(h, state.ackedOut)} stanzas, only ${before} were unacknowledged`,
        tooHigh(state, h),
      );
      return true;
    }
    state.awaitingAck = false;
    if (state.queue.length > options().maxUnacked && state.queue.length < before) requestAck(origin, state);
    return true;
  });

  module.hookTag(NS_SM, "resume", (origin, element) => {
    const session = origin as ResumableSession;
    if (session.type !== "c2s" || session.fullJid !== undefined) {
      session.send(failed("unexpected-request"));
      return true;
    }
    const previd = element.attrs.previd as string | undefined;
    const h = parseH(element.attrs.h);
    const target = previd === undefined ? undefined : tokens.get(previd);
    const state = target === undefined ? undefined : states.get(target);
    if (
      target === undefined ||
      state === undefined ||
      target.username !== session.username ||
      target.host !== session.host
    ) {
      session.send(failed("item-not-found"));
      return true;
    }
    if (h === undefined) {
      session.send(failed("bad-request"));
      return true;
    }
    if (typeof session.carry !== "function") {
      session.send(failed("feature-not-implemented"));
      return true;
    }
    if (diff32(h, state.ackedOut) > state.queue.length) {
      const refusal = failed("undefined-condition", { h: String(state.handledIn) });
      refusal.cnode(tooHigh(state, h));
      session.send(refusal);
      return true;
    }
    // The stream has the last word (it refuses a closed or already bound connection): nothing of
    // the session's state changes before it agrees, so a refusal leaves it hibernating (and its
    // hibernation timer running) as it was. Any client framing may carry any other's session.
    try {
      session.carry(target);
    } catch (error) {
      module.log("debug", "%s cannot resume %s: %s", session.id, target.fullJid, error);
      session.send(failed(error instanceof TypeError ? "feature-not-implemented" : "unexpected-request"));
      return true;
    }
    acknowledge(state, h);
    state.hibernation?.stop();
    state.hibernation = undefined;
    state.awaitingAck = false;
    state.rawSend(nonza("resumed", { h: String(state.handledIn), previd: previd! }));
    for (const { stanza } of state.queue) state.rawSend(stanza);
    if (state.queue.length > 0) requestAck(target, state);
    module.log("debug", "%s resumed with %d stanza(s) sent again", target.fullJid, state.queue.length);
    return true;
  });

  // c2s: nothing read for c2s_idle_timeout. An ack request checks the peer better than whitespace;
  // when one is already unanswered, c2s's whitespace keepalive goes out (and a dead connection's
  // write error makes it hibernate).
  module.hook("c2s-read-timeout", ({ session }: { session: Session }) => {
    const state = states.get(session);
    if (state === undefined || state.awaitingAck) return undefined;
    state.awaitingAck = true;
    state.rawSend(nonza("r"));
    return true;
  });

  // c2s: the connection dropped without a stream close.
  module.hook("c2s-disconnect", ({ session }: { session: Session }) => {
    const state = states.get(session);
    if (state?.token === undefined || state.maxHibernation <= 0) return undefined;
    state.awaitingAck = false;
    state.hibernation?.stop();
    state.hibernation = module.addTimer(state.maxHibernation, () => {
      state.hibernation = undefined;
      if (states.get(session) !== state) return undefined;
      module.log("debug", "%s hibernated too long, ending it", session.fullJid);
      module.server.sessionManager.destroy(session, "connection-timeout", "hibernated too long");
      return undefined;
    });
    module.log("debug", "%s hibernates for up to %ds", session.fullJid, state.maxHibernation);
    return true;
  });

  // Runs before the im modules' handlers (priority 0), so the session's own queue is rerouted
  // after it is unbound and nothing comes back to it.
  module.hook(
    "resource-unbind",
    ({ session }: { session: Session }) => {
      const state = states.get(session);
      if (state === undefined) return undefined;
      forget(session, state);
      redeliver(module, session, state.queue.splice(0));
      return undefined;
    },
    10,
  );

  module.unload = () => {
    for (const [session, state] of [...states]) {
      const hibernating = state.hibernation !== undefined;
      forget(session, state);
      // A hibernating session has no connection to come back to once nobody can resume it.
      if (hibernating) {
        module.server.sessionManager.destroy(session, "system-shutdown", "stream management unloaded");
        redeliver(module, session, state.queue.splice(0));
      }
    }
  };
}
