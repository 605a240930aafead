import type { Authz } from "@canto/authz";
import type { Config } from "@canto/config";
import type { Scheduler } from "@canto/cron";
import type { Metrics } from "@canto/metrics";
import type { Element } from "@canto/stanza";
import type { StorageManager } from "@canto/storage";
import type { Logger } from "pino";
import type { Host } from "./host.js";
import type { ModuleManager } from "./module-manager.js";
import type { Session } from "./router/session.js";
import type { SessionManager } from "./router/session-manager.js";
import type { SessionRegistry } from "./router/sessions.js";
import type { SharedRegistry } from "./shared.js";

/**
 * What a module reaches through its `Module` object: the server's services, each injected by name so
 * a test can swap any of them.
 */
export interface Runtime {
  readonly global: Host;
  /** An active host (or `*`), or `undefined`. */
  host(name: string): Host | undefined;
  /** The active hosts, without `*`. */
  hosts(): Iterable<Host>;
  readonly config: Config;
  readonly logger: Logger;
  readonly scheduler: Scheduler;
  readonly storage: StorageManager;
  readonly metrics: Metrics;
  readonly authz: Authz;
  readonly shared: SharedRegistry;
  readonly manager: ModuleManager;
  /** Bound client sessions by full and bare JID. */
  readonly sessions: SessionRegistry;
  /** Authentication, resource binding and teardown of sessions. */
  readonly sessionManager: SessionManager;
  /** Hands a stanza a session received to the router (ordering, validation, routing events). */
  process(origin: Session, stanza: Element): void | Promise<void>;
  /** Whether `start()` has finished. */
  readonly started: boolean;
  /** When `start()` finished, in seconds since the epoch. */
  readonly startedAt: number | undefined;
  /** Routes a stanza from `origin` (Prosody's `core_post_stanza`). */
  post(origin: Session, stanza: Element): unknown;
  /** The session that stands for a host itself, for stanzas a module sends on its own behalf. */
  hostSession(host: string): Session;
  /** Runs `fn` once the server has started (at once, on a later tick, if it already has). */
  onReady(fn: () => unknown): void;
}
