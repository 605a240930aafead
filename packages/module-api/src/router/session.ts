import type { Element } from "@canto/stanza";

/** Prosody's session types: what kind of peer sent a stanza. */
export type SessionType = "c2s" | "c2s_unauthed" | "s2sin" | "s2sout" | "component" | "local" | (string & {});

/**
 * A peer the router exchanges stanzas with: a client, a server, a component, a host itself, or an
 * in-process session in tests. Transports create these; the router reads and writes the fields.
 */
export interface Session {
  type: SessionType;
  /** The local host the session belongs to. */
  host: string;
  /** Set once authenticated (c2s). */
  username?: string | undefined;
  /** Set once bound (c2s). */
  resource?: string | undefined;
  /** `username@host/resource` once bound. */
  fullJid?: string | undefined;
  /** The role name assigned at authentication, for access checks. */
  role?: string | undefined;
  /** Presence priority; sessions below 0 get no messages sent to the bare JID. */
  priority?: number | undefined;
  /** Delivers a stanza to the peer. */
  send(stanza: Element): unknown;
  /** Closes the session (with a stream error condition for network sessions). */
  close?(reason?: string): unknown;
  /** @internal The tail of the session's stanza queue, while a handler awaits. */
  queueTail?: Promise<void> | undefined;
}
