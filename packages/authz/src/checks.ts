import type { RoleAssignment } from "./assignment.js";
import { type Actor, identifyActor } from "./context.js";
import { RoleNotLoadedError } from "./errors.js";
import type { ParseJid } from "./jid.js";
import type { Logger } from "./logger.js";
import type { RoleRegistry } from "./policy.js";
import { isRole, type Role } from "./role.js";

/** `may` is a deliberate check (denials logged at warn); `could` a speculative one (debug). */
export type CheckKind = "may" | "could";

/** Why a check came out as it did. */
export type DecisionReason =
  /** The actor's role (or an ancestor) grants the action. */
  | "granted"
  /** The actor's role (or an ancestor, first in order) denies the action. */
  | "denied"
  /** Neither the role nor any ancestor has a policy for the action. */
  | "no-policy"
  /** The actor has no role. */
  | "no-role"
  /** Looking up the actor's stored role failed. */
  | "lookup-failed";

/** One access decision, as given to {@link DecisionListener}s. */
export interface Decision {
  readonly host: string;
  readonly check: CheckKind;
  readonly action: string;
  /** A JID, a session's full JID, or `session <id>`. */
  readonly actor: string;
  /** The actor's role name, `undefined` when it has none. */
  readonly role: string | undefined;
  readonly allowed: boolean;
  readonly reason: DecisionReason;
}

export type DecisionListener = (decision: Decision) => void;

/** The listeners for decisions; a listener that throws is logged and does not affect the check. */
export class DecisionObservers {
  readonly #listeners = new Set<DecisionListener>();
  readonly #log: Logger;

  constructor(log: Logger) {
    this.#log = log;
  }

  get active(): boolean {
    return this.#listeners.size > 0;
  }

  add(listener: DecisionListener): () => void {
    // Wrap so that adding the same function twice gives two independent subscriptions.
    const entry: DecisionListener = (decision) => listener(decision);
    this.#listeners.add(entry);
    return () => {
      this.#listeners.delete(entry);
    };
  }

  emit(decision: Decision): void {
    for (const listener of [...this.#listeners]) {
      try {
        listener(decision);
      } catch (err) {
        this.#log.error(`A decision listener threw: ${(err as Error)?.message ?? String(err)}`);
      }
    }
  }
}

/** `owner:action` for an action written `:action`; any other action unchanged. */
export function expandAction(owner: string, action: string): string {
  return action.charCodeAt(0) === 58 /* ":" */ ? owner + action : action;
}

export interface CheckerOptions {
  host: string;
  registry: RoleRegistry;
  assignment: RoleAssignment;
  parseJid: ParseJid;
  log: Logger;
  observers: DecisionObservers;
}

/** Runs may/could checks for one host. */
export class Checker {
  readonly #o: CheckerOptions;

  constructor(options: CheckerOptions) {
    this.#o = options;
  }

  #sessionRole(actor: Extract<Actor, { kind: "session" }>): Role | undefined {
    const role = actor.session.role;
    if (role === undefined || role === null) return undefined;
    if (isRole(role)) return role;
    return typeof role === "string" ? this.#o.registry.get(role) : undefined;
  }

  /** The actor's role, synchronously; throws RoleNotLoadedError when the store must be awaited. */
  roleOf(actor: Actor): Role | undefined {
    switch (actor.kind) {
      case "session":
        return this.#sessionRole(actor);
      case "sender":
        return this.#o.assignment.jidRole(actor.jid);
      case "jid": {
        const { node, domain } = actor.jid;
        if (domain === this.#o.host && node !== undefined) return this.#o.assignment.userRoleSync(node);
        return this.#o.assignment.jidRole(actor.jid);
      }
    }
  }

  /** The actor's role, waiting for the store when needed. */
  async roleOfAsync(actor: Actor): Promise<Role | undefined> {
    if (actor.kind === "jid") {
      const { node, domain } = actor.jid;
      if (domain === this.#o.host && node !== undefined) return this.#o.assignment.loadUserRole(node);
    }
    return this.roleOf(actor);
  }

  identify(context: unknown): Actor {
    return identifyActor(context, this.#o.host, this.#o.parseJid);
  }

  check(kind: CheckKind, action: string, context: unknown): boolean {
    const actor = this.identify(context);
    let role: Role | undefined;
    try {
      role = this.roleOf(actor);
    } catch (err) {
      if (err instanceof RoleNotLoadedError) throw err;
      return this.#lookupFailed(kind, action, actor, err);
    }
    return this.decide(kind, action, actor, role);
  }

  #lookupFailed(kind: CheckKind, action: string, actor: Actor, err: unknown): boolean {
    this.#o.log.error(
      `Role lookup for ${actor.label} on ${this.#o.host} failed: ${(err as Error)?.message ?? String(err)}`,
    );
    return this.decide(kind, action, actor, undefined, "lookup-failed");
  }

  async checkAsync(kind: CheckKind, action: string, context: unknown): Promise<boolean> {
    const actor = this.identify(context);
    let role: Role | undefined;
    try {
      role = await this.roleOfAsync(actor);
    } catch (err) {
      return this.#lookupFailed(kind, action, actor, err);
    }
    return this.decide(kind, action, actor, role);
  }

  /** Applies the role to the action, logs a denial and tells the observers. */
  decide(
    kind: CheckKind,
    action: string,
    actor: Actor,
    role: Role | undefined,
    failure?: "lookup-failed",
  ): boolean {
    let reason: DecisionReason;
    let allowed = false;
    if (role === undefined) {
      reason = failure ?? "no-role";
    } else {
      const policy = role.may(action);
      allowed = policy === true;
      reason = allowed ? "granted" : policy === false ? "denied" : "no-policy";
    }
    if (!allowed) {
      const why = role === undefined ? "no role" : `not permitted by role ${role.name ?? "(unnamed)"}`;
      const message = `Access denied: ${actor.label} may not ${action} (${why})`;
      if (kind === "may") this.#o.log.warn(message);
      else this.#o.log.debug(message);
    }
    const observers = this.#o.observers;
    if (observers.active) {
      observers.emit({
        host: this.#o.host,
        check: kind,
        action,
        actor: actor.label,
        role: role?.name,
        allowed,
        reason,
      });
    }
    return allowed;
  }
}
