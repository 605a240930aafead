import type { Element, Module, Runtime } from "canto";
import type { C2sSession } from "../shared/contracts.js";

/** What the link needs from the transport module that owns the session. */
export interface SessionLinkContext {
  readonly server: Runtime;
  hostModule(name: string): Module | undefined;
  log(level: string, fmt: string, ...args: unknown[]): void;
}

/** The transport-specific side of a session's own connection. */
export interface ConnectionHooks {
  /** Stops handling what the connection reads: its input is no longer the session's. */
  detach(): void;
  /** Ends the stream on the connection (with a stream error for `reason`) and closes it. */
  shut(reason: string | undefined): void;
  /** Writes to the connection (an element serialised as its framing needs); false if it cannot. */
  write(data: Element | string): boolean;
  /** Cuts the connection at once. */
  cut(): void;
  /** The session is over for good: stop tracking it. */
  forget(): void;
}

/** A client session a `SessionLink` can hand from one connection to another. */
export interface LinkedSession extends C2sSession {
  destroy(): void;
}

const REPLACED = "conflict: Replaced by new connection";

/**
 * Stream resumption (XEP-0198), private to the client stream: one session and the connection it
 * runs on, which is its own, another one that carries it after a resumption, or none while it
 * hibernates. Every client stream keeps one of these, so closing, writing, hibernating and taking
 * over follow the same rules whatever the framing: a TCP connection may carry a WebSocket session
 * and the reverse, since elements are serialised by the connection that writes them.
 */
export class SessionLink<S extends LinkedSession> {
  readonly session: S;
  #closed = false;
  /** The close event of the session's own connection no longer concerns the session. */
  forgotten = false;
  readonly #context: SessionLinkContext;
  readonly #hooks: ConnectionHooks;
  /** Bound, but its connection dropped and a module (smacks) keeps it for a possible resumption. */
  #hibernating = false;
  /**
   * On a resumed session: the link of the newer connection its stream now runs on. On that
   * connection: the link of the session it carries (its input is processed as that session's).
   */
  #carrier: SessionLink<S> | undefined;
  #carried: SessionLink<S> | undefined;

  constructor(session: S, context: SessionLinkContext, hooks: ConnectionHooks) {
    this.session = session;
    this.#context = context;
    this.#hooks = hooks;
  }

  /** The stream is closed (by us, by the client, or with its connection). */
  get closed(): boolean {
    return this.#closed;
  }

  get hibernating(): boolean {
    return this.#hibernating;
  }

  /** The session whose stream now runs on another connection, if resumed. */
  get carrier(): S | undefined {
    return this.#carrier?.session;
  }

  /** The resumed session this connection carries, if any. */
  get carried(): S | undefined {
    return this.#carried?.session;
  }

  /** Closed or already carrying a session: cannot take over another. */
  get busy(): boolean {
    return this.#closed || this.#carried !== undefined;
  }

  /** This connection takes over `previous`'s session (the caller has checked it may). */
  carry(previous: SessionLink<S>): void {
    const old = previous.#carrier;
    if (old !== undefined) {
      old.#carried = undefined;
      old.session.close(REPLACED);
    } else if (!previous.#hibernating) {
      // Its own connection is still open: no close event of it may end the session from now on.
      previous.forgotten = true;
      previous.#hooks.detach();
      previous.session.close(REPLACED);
    }
    previous.#hibernating = false;
    previous.#closed = false;
    previous.session.secure = this.session.secure;
    previous.#carrier = this;
    this.#carried = previous;
  }

  close(reason: string | undefined): void {
    if (this.#hibernating) {
      // No connection left to write to: the session ends here.
      this.#hibernating = false;
      this.#closed = true;
      this.#hooks.forget();
      return;
    }
    if (this.#closed) return;
    this.#closed = true;
    const carrier = this.#carrier;
    if (carrier !== undefined) {
      carrier.session.close(reason);
      return;
    }
    this.#hooks.shut(reason);
  }

  /** The stream ends without its close sequence (the connection is being cut). */
  abort(): void {
    this.#closed = true;
  }

  destroy(): void {
    this.#carrier?.session.destroy();
    this.#hooks.cut();
  }

  write(data: Element | string): boolean {
    if (this.#carrier !== undefined) return this.#carrier.write(data);
    if (this.#closed) return false;
    return this.#hooks.write(data);
  }

  /**
   * The session's own connection closed. `clean`: the stream was closed first, so there is nothing
   * to resume.
   */
  dropped(clean: boolean): void {
    this.forgotten = true;
    this.#closed = true;
    const carried = this.#carried;
    if (carried !== undefined) {
      this.#carried = undefined;
      this.#hooks.forget();
      carried.#carrierGone(this, clean);
      return;
    }
    if (!clean && this.#hibernate()) return;
    // Also after our own close: destroy() unbinds (firing resource-unbind) only what is still bound.
    this.#context.server.sessionManager.destroy(this.session, undefined);
    this.#hooks.forget();
  }

  /** The connection carrying this resumed session is gone. */
  #carrierGone(carrier: SessionLink<S>, clean: boolean): void {
    if (this.#carrier !== carrier) return;
    this.#carrier = undefined;
    const wasClosed = this.#closed;
    this.#closed = true;
    if (!clean && !wasClosed && this.#hibernate()) return;
    this.#context.server.sessionManager.destroy(this.session, undefined);
    this.#hooks.forget();
  }

  /**
   * A bound session lost its connection without a stream close: `c2s-disconnect` on the host lets
   * a module (smacks) keep it bound, by returning true, until it resumes or that module destroys it.
   */
  #hibernate(): boolean {
    const { session } = this;
    if (session.fullJid === undefined) return false;
    let kept: unknown;
    try {
      kept = this.#context.hostModule(session.host)?.fireEvent("c2s-disconnect", { session });
    } catch (error) {
      this.#context.log("error", "c2s-disconnect failed for %s: %s", session.id, error);
      return false;
    }
    if (kept !== true) return false;
    this.#context.log("debug", "session %s (%s) hibernates", session.id, session.fullJid);
    this.#hibernating = true;
    return true;
  }
}
