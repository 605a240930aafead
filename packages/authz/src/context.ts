import { NoActorError } from "./errors.js";
import type { JidParts, ParseJid } from "./jid.js";
import type { Role } from "./role.js";

/** What this package reads from a session (a Prosody-style session table). */
export interface SessionLike {
  type?: string;
  host?: string;
  username?: string;
  /** Set at authentication: a {@link Role} or a role name. */
  role?: Role | string | undefined;
  id?: string;
  full_jid?: string;
}

/** What this package reads from a stanza: an ltx element or anything with `attrs` or `attr()`. */
export interface StanzaLike {
  attrs?: Readonly<Record<string, unknown>>;
  attr?(name: string): unknown;
}

/** A routing event as fired by the stanza router. */
export interface RoutingContext {
  origin: SessionLike;
  stanza?: StanzaLike;
}

/** The forms a check accepts to name the actor. */
export type ActorContext =
  | string
  | { readonly actor_jid: string }
  | RoutingContext
  | { readonly session: SessionLike; readonly stanza?: StanzaLike };

/** The actor a context names, classified by how its role is found. */
export type Actor =
  /** A JID (string or `actor_jid`): an account of this host, or anyone else by JID. */
  | { readonly kind: "jid"; readonly label: string; readonly jid: JidParts }
  /** A client session authenticated on this host: its own `role`. */
  | { readonly kind: "session"; readonly label: string; readonly session: SessionLike }
  /** Any other session (s2s, components, other hosts): the stanza's sender, by JID only. */
  | { readonly kind: "sender"; readonly label: string; readonly jid: JidParts };

function stanzaFrom(stanza: StanzaLike | undefined): unknown {
  if (typeof stanza !== "object" || stanza === null) return undefined;
  const fromAttrs = stanza.attrs?.from;
  if (fromAttrs !== undefined) return fromAttrs;
  return typeof stanza.attr === "function" ? stanza.attr("from") : undefined;
}

function parseActorJid(value: unknown, parseJid: ParseJid, what: string): JidParts {
  if (typeof value !== "string" || value === "") throw new NoActorError(`${what} is not a JID`);
  const parts = parseJid(value);
  if (!parts) throw new NoActorError(`${what} ${JSON.stringify(value)} is not a valid JID`);
  return parts;
}

/**
 * Works out who is acting from a check's context, for a check made on `host`. Throws
 * {@link NoActorError} when the context names nobody: a check never passes for lack of an actor.
 */
export function identifyActor(context: unknown, host: string, parseJid: ParseJid): Actor {
  if (typeof context === "string") {
    return { kind: "jid", label: context, jid: parseActorJid(context, parseJid, "the context") };
  }
  if (typeof context !== "object" || context === null) {
    throw new NoActorError(`expected a JID, { actor_jid }, { origin, stanza } or { session }`);
  }
  const ctx = context as { actor_jid?: unknown; origin?: unknown; session?: unknown; stanza?: StanzaLike };
  if (ctx.actor_jid !== undefined) {
    const label = String(ctx.actor_jid);
    return { kind: "jid", label, jid: parseActorJid(ctx.actor_jid, parseJid, "actor_jid") };
  }
  const session = (ctx.origin ?? ctx.session) as SessionLike | undefined;
  if (typeof session !== "object" || session === null) {
    throw new NoActorError(`expected a JID, { actor_jid }, { origin, stanza } or { session }`);
  }
  if (session.type === "c2s" && session.host === host) {
    const label =
      session.full_jid ??
      (session.username !== undefined ? `${session.username}@${host}` : `session ${session.id ?? "?"}`);
    return { kind: "session", label, session };
  }
  const from = stanzaFrom(ctx.stanza);
  if (from === undefined) {
    throw new NoActorError(`a ${session.type ?? "non-client"} session needs a stanza with a from address`);
  }
  return { kind: "sender", label: String(from), jid: parseActorJid(from, parseJid, "the stanza's from") };
}
