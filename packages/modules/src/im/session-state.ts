import { domainOf, type Element, type Module, nodeOf, type Session } from "canto";

/** What the IM modules know about one client session (Prosody keeps these on the session). */
export interface ImSessionState {
  /** The session asked for the roster, so it gets roster pushes (RFC 6121 §2.1.6). */
  interested: boolean;
  /** The last available presence it broadcast; undefined while unavailable. */
  presence: Element | undefined;
  /** Full or bare JIDs it sent directed presence to, which get unavailable when it goes away. */
  directed: Set<string>;
}

type StateTable = { sessions?: WeakMap<Session, ImSessionState> };

/**
 * The per-session IM state of a host, shared by the IM modules through `module.shared` so that it
 * survives a reload of any one of them. Weakly keyed: a session that is gone takes its state along.
 */
export function sessionStates(module: Module): WeakMap<Session, ImSessionState> {
  const table = module.shared<StateTable>("im/session-state");
  // The shared table is held weakly: if a reload let it go, the saved state brings it back.
  table.sessions ??= (module.savedState as SavedState | undefined)?.imSessions ?? new WeakMap();
  return table.sessions;
}

type SavedState = { imSessions?: WeakMap<Session, ImSessionState> };

/** Carries the session states through a reload of `module` (see `sessionStates`). */
export function keepSessionStates(module: Module): void {
  sessionStates(module);
  module.save = (): SavedState => ({ imSessions: sessionStates(module) });
}

export function stateOf(states: WeakMap<Session, ImSessionState>, session: Session): ImSessionState {
  let state = states.get(session);
  if (state === undefined) {
    state = { interested: false, presence: undefined, directed: new Set() };
    states.set(session, state);
  }
  return state;
}

/** The bound sessions of a user, for a bare JID. */
export function sessionsOf(module: Module, bareJid: string): Session[] {
  return [...(module.server.sessions.bare(bareJid)?.values() ?? [])];
}

/** Sessions that are available (sent presence) and so receive presence and messages to the bare JID. */
export function availableSessions(module: Module, bareJid: string): Session[] {
  const states = sessionStates(module);
  return sessionsOf(module, bareJid).filter((session) => states.get(session)?.presence !== undefined);
}

/** Sessions that get roster pushes and subscription state changes: they asked for the roster or are available. */
export function interestedSessions(module: Module, bareJid: string): Session[] {
  const states = sessionStates(module);
  return sessionsOf(module, bareJid).filter((session) => {
    const state = states.get(session);
    return state !== undefined && (state.interested || state.presence !== undefined);
  });
}

/** The local part of a bare JID on `host`, or undefined when the JID is not a user of that host. */
export function localUser(bareJid: string, host: string): string | undefined {
  return domainOf(bareJid) === host ? nodeOf(bareJid) : undefined;
}
