import { clone, type Element, type Module, NS, type Session } from "canto";
import type { StreamFeaturesEvent } from "../shared/contracts.js";
import { reloadableOptions } from "../shared/options.js";
import { addSendLayer, type Send, type SendLayerHandle } from "../shared/send-layers.js";
import { isImportant } from "./csi-importance.js";

export const NS_CSI = "urn:xmpp:csi:0";
/** Prosody's default `csi_queue_size`. */
export const DEFAULT_QUEUE_SIZE = 256;
/**
 * Where the holding layer sits on `send`: above stream management's counting layer (rank 0), so a
 * held stanza is counted (and queued for resumption) when it is really written, not when held.
 */
const LAYER_RANK = 100;

interface CsiState {
  inactive: boolean;
  held: Element[];
  layer: SendLayerHandle;
  /** `send` under the holding layer (smacks' counting, then the connection). */
  below: Send;
}

interface CsiEvent {
  session: Session;
  stanza: Element;
}

/**
 * Client state indication (XEP-0352) with Prosody's mod_csi_simple behaviour: after `<inactive/>`,
 * what is unimportant to a phone in the background (presence updates, chat states, receipts,
 * markers, headlines) waits in a queue of at most `csi_queue_size`, with a delay stamp; an
 * important stanza, any stanza from the client, `<active/>`, a full queue or the connection
 * dropping sends the queue first, in order. The importance rules answer `csi-is-stanza-important`,
 * so another module can decide first.
 */
export default function csiSimple(module: Module): void {
  if (module.getHostType() !== "local") return;
  const options = reloadableOptions(module, () => ({
    queueSize: module.getOptionInteger("csi_queue_size", DEFAULT_QUEUE_SIZE, 1),
    important: module.getOptionSet("csi_important_payloads", []) as ReadonlySet<string>,
  }));
  const states = new Map<Session, CsiState>();
  const clock = module.server.scheduler.clock;

  const flush = (state: CsiState) => {
    // Taken out first: a write that comes back into the layer finds the queue empty.
    for (const stanza of state.held.splice(0)) state.below(stanza);
  };

  const stamped = (session: Session, stanza: Element): Element => {
    if (stanza.name === "iq" || stanza.getChild("delay", NS.delay) !== undefined) return stanza;
    const copy = clone(stanza);
    copy.c("delay", {
      xmlns: NS.delay,
      from: `${session.username}@${session.host}`,
      stamp: new Date(clock.now() * 1000).toISOString(),
    });
    return copy;
  };

  const stateOf = (session: Session): CsiState => {
    let state = states.get(session);
    if (state !== undefined) return state;
    const layer = addSendLayer(
      session,
      (element, next) => {
        const own = states.get(session);
        if (
          own === undefined ||
          !own.inactive ||
          (session as { hibernating?: boolean }).hibernating === true
        ) {
          if (own !== undefined && own.held.length > 0) flush(own);
          return next(element);
        }
        if (module.fireEvent("csi-is-stanza-important", { session, stanza: element }) !== false) {
          flush(own);
          return next(element);
        }
        if (own.held.length >= options().queueSize) {
          module.log("debug", "%s: CSI queue full (%d), flushing", session.fullJid, own.held.length);
          flush(own);
        }
        own.held.push(stamped(session, element));
        return true;
      },
      LAYER_RANK,
    );
    state = { inactive: false, held: [], layer, below: layer.below };
    states.set(session, state);
    return state;
  };

  const forget = (session: Session) => {
    const state = states.get(session);
    if (state === undefined) return;
    flush(state);
    states.delete(session);
    state.layer.remove();
  };

  module.hook(
    "csi-is-stanza-important",
    ({ stanza }: CsiEvent) => isImportant(stanza, options().important),
    -1,
  );

  module.hook("stream-features", (event: StreamFeaturesEvent) => {
    if (event.origin.type === "c2s") event.features.c("csi", { xmlns: NS_CSI });
  });

  module.hookTag(NS_CSI, "inactive", (origin) => {
    if (origin.type !== "c2s") return true;
    const state = stateOf(origin);
    if (!state.inactive) module.log("debug", "%s is inactive", origin.fullJid ?? origin.host);
    state.inactive = true;
    module.fireEvent("csi-client-inactive", { origin });
    return true;
  });

  module.hookTag(NS_CSI, "active", (origin) => {
    if (origin.type !== "c2s") return true;
    const state = states.get(origin);
    if (state !== undefined) {
      module.log("debug", "%s is active, sending %d held", origin.fullJid ?? origin.host, state.held.length);
      forget(origin);
    }
    module.fireEvent("csi-client-active", { origin });
    return true;
  });

  // Activity from the client: it is awake, so what waits goes out (Prosody flushes on input).
  module.hook(
    "pre-stanza",
    ({ origin }: { origin: Session }) => {
      const state = states.get(origin);
      if (state !== undefined && state.held.length > 0) flush(state);
    },
    999,
  );

  // The connection dropped: what waits goes to stream management's queue (counted, resent on
  // resumption) before smacks decides to keep the session; it stays inactive, as the client said.
  module.hook(
    "c2s-disconnect",
    ({ session }: { session: Session }) => {
      const state = states.get(session);
      if (state !== undefined) flush(state);
      return undefined;
    },
    20,
  );

  // Before smacks (10) reroutes its unacknowledged queue: held stanzas join it.
  module.hook("resource-unbind", ({ session }: { session: Session }) => forget(session), 20);

  module.unload = () => {
    for (const session of [...states.keys()]) forget(session);
  };
}
