import type { Element, Session } from "canto";

export type Send = (stanza: Element) => unknown;
/** One layer over a session's `send`: sees each outgoing element and passes it on with `next`. */
export type SendLayer = (stanza: Element, next: Send) => unknown;

export interface SendLayerHandle {
  /** Sends past this layer, through the layers under it (for what the layer itself emits). */
  below: Send;
  /** Takes the layer out; the last one out restores the session's own `send`. */
  remove(): void;
}

interface Stack {
  /** The `send` found before the first layer, and whether it was the session's own property. */
  readonly base: Send;
  readonly hadOwn: boolean;
  readonly layers: SendLayer[];
  /** Each layer's rank, index for index. */
  readonly ranks: number[];
}

const stacks = new WeakMap<Session, Stack>();

/** `base` under `layers[0..count)`, the first layer innermost; built once per change, not per stanza. */
function compose(session: Session, stack: Stack, count: number): Send {
  let send: Send = (stanza) => stack.base.call(session, stanza);
  for (let i = 0; i < count; i++) {
    const layer = stack.layers[i]!;
    const next = send;
    send = (stanza) => layer(stanza, next);
  }
  return send;
}

/**
 * Puts `layer` over `session.send` (Prosody's per-session `stanzas/out` filters). Sessions have no
 * filter chain of their own, so modules that watch or hold back outgoing stanzas (smacks, metrics)
 * share this stack: each can come and go in any order without undoing another's layer.
 *
 * `rank` orders the stack whatever the order layers arrive in: a higher rank sits further out
 * (sees a stanza earlier); among equal ranks the newest is outermost. A layer that holds stanzas
 * back (csi_simple) ranks above one that counts what is written (smacks, rank 0).
 */
export function addSendLayer(session: Session, layer: SendLayer, rank = 0): SendLayerHandle {
  let stack = stacks.get(session);
  if (stack === undefined) {
    stack = { base: session.send, hadOwn: Object.hasOwn(session, "send"), layers: [], ranks: [] };
    stacks.set(session, stack);
  }
  const own = stack;
  let at = own.ranks.length;
  while (at > 0 && own.ranks[at - 1]! > rank) at--;
  own.layers.splice(at, 0, layer);
  own.ranks.splice(at, 0, rank);
  session.send = compose(session, own, own.layers.length);
  return {
    below(stanza) {
      const at = own.layers.indexOf(layer);
      return compose(session, own, at < 0 ? own.layers.length : at)(stanza);
    },
    remove() {
      const at = own.layers.indexOf(layer);
      if (at < 0) return;
      own.layers.splice(at, 1);
      own.ranks.splice(at, 1);
      if (own.layers.length > 0) {
        session.send = compose(session, own, own.layers.length);
        return;
      }
      stacks.delete(session);
      if (own.hadOwn) session.send = own.base;
      else delete (session as Partial<Session>).send;
    },
  };
}
