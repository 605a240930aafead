import type { Element, Module } from "canto";
import { type C2sSession, NS } from "../shared/contracts.js";

export const NS_SM = NS.sm;

type Timer = ReturnType<Module["addTimer"]>;

/** A session as smacks needs it: c2s may let a new connection take it over (`carry`). */
export interface ResumableSession extends C2sSession {
  /** c2s: this new connection takes over `previous` (see ClientStream.carry). */
  carry?(previous: C2sSession): void;
  /** c2s: the connection dropped and the session waits for a resumption. */
  readonly hibernating?: boolean;
}

/** Stream management state of one session (XEP-0198). */
export interface SmState {
  /** Stanzas received from the client and handled, modulo 2^32 (the `h` we report). */
  handledIn: number;
  /** Stanzas sent and not yet acknowledged, oldest first, with the wall time each was sent. */
  readonly queue: { stanza: Element; at: number }[];
  /** The client's last `h`: stanzas of ours it has acknowledged, modulo 2^32. */
  ackedOut: number;
  /** An `<r/>` went out and no `<a/>` came back yet. */
  awaitingAck: boolean;
  /** The resumption id, when resumption was enabled. */
  token: string | undefined;
  /** Seconds the session may hibernate. */
  maxHibernation: number;
  hibernation: Timer | undefined;
  /** Sends under smacks's layer (its own nonzas, and the queue again on resumption). */
  readonly rawSend: (element: Element) => unknown;
  /** Takes smacks's layer off the session's `send`. */
  readonly unwrap: () => void;
}

/** Only these count for acknowledgements (XEP-0198 §4): not nonzas such as `<r/>` and `<a/>`. */
export function isStanza(element: Element): boolean {
  const xmlns = element.attrs.xmlns as string | undefined;
  return (
    (element.name === "message" || element.name === "presence" || element.name === "iq") &&
    (xmlns === undefined || xmlns === "jabber:client")
  );
}

/** Adds to a counter modulo 2^32, as `h` wraps (XEP-0198 §4). */
export const add32 = (value: number, n: number) => (value + n) % 2 ** 32;

/** How many stanzas an `h` acknowledges beyond the previous one, modulo 2^32. */
export const diff32 = (h: number, previous: number) => (h - previous + 2 ** 32) % 2 ** 32;

/** Parses `h`: an unsigned 32-bit integer, or undefined. */
export function parseH(value: unknown): number | undefined {
  if (typeof value !== "string" || !/^\d{1,10}$/.test(value)) return undefined;
  const h = Number(value);
  return h < 2 ** 32 ? h : undefined;
}
