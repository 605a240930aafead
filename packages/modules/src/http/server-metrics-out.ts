import type { Module, Session } from "canto";
import { addSendLayer, type SendLayer, type SendLayerHandle } from "../shared/send-layers.js";
import { CounterBatch, publishBatch } from "./server-metrics-batch.js";

/**
 * Counts stanzas sent to this host's bound client sessions, by kind, as Prosody counts them in
 * a per-session `stanzas/out` filter: a layer over each session's `send` from `resource-bind`
 * (shared/send-layers.ts, so it composes with smacks's in either order). Counts are batched
 * (server-metrics-batch.ts). Returns what takes the layers off.
 */
export function countStanzasOut(hostModule: Module): () => void {
  const family = hostModule.metric("counter", "stanzas_out", "", "Stanzas sent to clients", ["kind"]);
  const batch = new CounterBatch([
    family.withLabels("message"),
    family.withLabels("presence"),
    family.withLabels("iq"),
  ]);
  const counts = batch.pending;
  const publish = publishBatch(hostModule, batch);
  const layers = new Map<Session, SendLayerHandle>();

  const count: SendLayer = (stanza, next) => {
    // Tolerates a caller handing the transport something other than an Element.
    const xmlns = stanza.attrs?.xmlns;
    if (xmlns === undefined || xmlns === "jabber:client") {
      const name = stanza.name;
      if (name === "message") counts[0]!++;
      else if (name === "presence") counts[1]!++;
      else if (name === "iq") counts[2]!++;
    }
    return next(stanza);
  };
  const wrap = (session: Session) => {
    if (!layers.has(session)) layers.set(session, addSendLayer(session, count));
  };
  const unwrap = (session: Session) => {
    layers.get(session)?.remove();
    layers.delete(session);
  };

  hostModule.hook("resource-bind", ({ session }: { session: Session }) => {
    wrap(session);
    return undefined;
  });
  // Late, so what other unbind handlers send the session is still counted.
  hostModule.hook(
    "resource-unbind",
    ({ session }: { session: Session }) => {
      unwrap(session);
      return undefined;
    },
    -1000,
  );

  // Loaded (or reloaded) with clients already bound.
  for (const session of hostModule.server.sessions.all()) if (session.host === hostModule.host) wrap(session);

  return () => {
    for (const session of [...layers.keys()]) unwrap(session);
    publish();
  };
}
