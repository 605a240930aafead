import { randomBytes } from "node:crypto";
import { type Element, type Module, type Runtime, type Session, type SessionType, stanza } from "canto";
import { parseReason } from "./reason.js";

export type Timer = ReturnType<Module["addTimer"]>;

/** What every stream needs from the module that owns it. */
export interface StreamContext {
  readonly server: Runtime;
  addTimer(delay: number, callback: () => number | undefined): Timer;
  /** Monotonic seconds (the scheduler's clock, so tests can move it). */
  now(): number;
  log(level: string, fmt: string, ...args: unknown[]): void;
}

/** The stream context of a transport module: its server, timers, clock and log. */
export function streamContext(module: Module): StreamContext {
  const clock = module.server.scheduler.clock;
  return {
    server: module.server,
    addTimer: (delay, callback) => module.addTimer(delay, callback),
    now: () => clock.monotonic(),
    log: (level, fmt, ...args) => module.log(level, fmt, ...args),
  };
}

/**
 * What all XMPP streams share, whatever their framing (TCP, WebSocket) and role (client,
 * component, server): identity, timers, the stream error on the way out, the peer's stream
 * error on the way in, and handing elements to the router, which alone decides what an element
 * nobody handles gets. Subclasses add a role; the framing stays in its own transport file.
 */
export abstract class XmppStream implements Session {
  type: SessionType;
  host = "";
  queueTail: Promise<void> | undefined;
  /** Connection id, for logs. */
  readonly id: string;
  /** The peer's address. */
  readonly ip: string;
  protected readonly context: StreamContext;
  readonly #timers: Timer[] = [];

  constructor(context: StreamContext, ip: string, type: SessionType, idBytes = 9) {
    this.context = context;
    this.ip = ip;
    this.type = type;
    this.id = idBytes === 6 ? randomBytes(6).toString("hex") : randomBytes(idBytes).toString("base64url");
  }

  abstract get closed(): boolean;
  abstract send(element: Element): boolean;
  abstract close(reason?: string): void;

  /** The session this stream's input is processed as (a resumed one, for a connection carrying it). */
  protected get current(): Session {
    return this;
  }

  /** A timer that lives as long as the stream: `stopTimers()` (at close or when gone) ends it. */
  protected timer(delay: number, callback: () => number | undefined): void {
    this.#timers.push(this.context.addTimer(delay, callback));
  }

  protected stopTimers(): void {
    for (const timer of this.#timers.splice(0)) timer.stop();
  }

  /** Fails the stream unless `ready()` holds once `seconds` have passed. */
  protected deadline(seconds: number, ready: () => boolean, text: string): void {
    this.timer(seconds, () => {
      if (!ready()) this.fail("connection-timeout", text);
      return undefined;
    });
  }

  /** Ends the session with a stream error, through the session manager (which unbinds it). */
  protected fail(condition: stanza.StreamErrorCondition, text?: string): void {
    if (this.closed) return;
    this.context.server.sessionManager.destroy(this, condition, text);
  }

  /** The stream error element for `close()`'s reason (`"condition: text"`). */
  protected streamError(reason: string): Element {
    const { condition, text } = parseReason(reason);
    this.context.log("debug", "closing %s (%s) with %s: %s", this.id, this.ip, condition, text ?? "");
    return stanza.streamError(condition, text);
  }

  /** The peer sent `<stream:error/>`: the stream is over, without an error of ours. */
  protected peerStreamError(element: Element): void {
    this.context.log("debug", "%s (%s) sent a stream error: %s", this.id, this.ip, element.toString());
    this.context.server.sessionManager.destroy(this, undefined);
  }

  /** Hands an element to the router as the current session's. */
  protected route(element: Element): void {
    let result: void | Promise<void>;
    try {
      result = this.context.server.process(this.current, element);
    } catch (error) {
      this.#processingFailed(error);
      return;
    }
    result?.catch((error: unknown) => this.#processingFailed(error));
  }

  #processingFailed(error: unknown): void {
    this.context.log("error", "error while processing a stanza from %s: %s", this.id, error);
  }
}
