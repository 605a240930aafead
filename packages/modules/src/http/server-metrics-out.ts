import type { Element, Module, Session } from "canto";
import { CounterBatch, publishBatch } from "./server-metrics-batch.js";

type Send = (stanza: Element) => unknown;

/** One session's counting `send`, and what it calls. */
interface Wrap {
  /** Off once the wrap is undone while something wrapped over it: it then only passes through. */
  active: boolean;
  readonly send: Send;
  /** The `send` found at wrap time; called with the session as `this`. */
  readonly inner: Send;
  /** Whether that `send` was the session's own property (another module's wrap), or inherited. */
  readonly hadOwn: boolean;
}

/**
 * Counts stanzas sent to this host's bound client sessions, by kind, as Prosody counts them in
 * a per-session `stanzas/out` filter. Canto sessions have no filter chain, so each session's
 * `send` is wrapped at `resource-bind`, over whatever is there (smacks's wrap, say). Counts are
 * batched (server-metrics-batch.ts). Returns what undoes the wraps.
 *
 * Other wraps follow smacks's pattern: set `session.send` as an own property, and undo it with
 * `delete`, which also drops a wrap made under theirs. So after any module unloads, a tracked
 * session left without an own `send` is wrapped again.
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
  const wraps = new WeakMap<Session, Wrap>();

  const wrap = (session: Session): void => {
    const hadOwn = Object.hasOwn(session, "send");
    const inner = session.send;
    const w: Wrap = {
      active: true,
      hadOwn,
      inner,
      send(stanza: Element) {
        if (w.active) {
          // Tolerates a caller handing the transport something other than an Element.
          const xmlns = stanza.attrs?.xmlns;
          if (xmlns === undefined || xmlns === "jabber:client") {
            const name = stanza.name;
            if (name === "message") counts[0]!++;
            else if (name === "presence") counts[1]!++;
            else if (name === "iq") counts[2]!++;
          }
        }
        return inner.call(session, stanza);
      },
    };
    wraps.set(session, w);
    session.send = w.send;
  };

  const unwrap = (session: Session): void => {
    const w = wraps.get(session);
    if (w === undefined) return;
    wraps.delete(session);
    w.active = false;
    if (session.send !== w.send) return;
    if (w.hadOwn) session.send = w.inner;
    else delete (session as Partial<Session>).send;
  };

  const boundHere = () => {
    const host = hostModule.host;
    const here: Session[] = [];
    for (const session of hostModule.server.sessions.all()) if (session.host === host) here.push(session);
    return here;
  };

  /** Wraps again the sessions whose wrap another module's cleanup deleted. */
  const rewrapLost = () => {
    for (const session of boundHere()) {
      const w = wraps.get(session);
      if (w?.active && Object.hasOwn(session, "send")) continue;
      if (w !== undefined) w.active = false;
      wrap(session);
    }
    return undefined;
  };

  hostModule.hook("resource-bind", ({ session }: { session: Session }) => {
    if (!wraps.has(session)) wrap(session);
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
  hostModule.hook("module-unloaded", rewrapLost);
  hostModule.hook("module-reloaded", rewrapLost);

  // Loaded (or reloaded) with clients already bound.
  for (const session of boundHere()) wrap(session);

  return () => {
    for (const session of boundHere()) unwrap(session);
    publish();
  };
}
