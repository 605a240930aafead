import type { Element, Module, Session } from "canto";

/**
 * The contracts between the standard modules: what the transport gives a session, what an
 * authentication provider offers, and the events that connect them. Each module depends on these
 * shapes, never on another module's code.
 */

/** A client connection as the transport (`c2s`) presents it to the other modules. */
export interface C2sSession extends Session {
  /** Unique per connection, for logs and limits. */
  readonly id: string;
  /** The peer's address. */
  readonly ip: string;
  /** Whether the stream is encrypted (STARTTLS done, or direct TLS). */
  secure: boolean;
  /** Whether the transport can still upgrade to TLS (a certificate is configured and not yet done). */
  readonly canStartTls: boolean;
  /** STARTTLS: after `<proceed/>` is sent, upgrades the socket; the client then restarts the stream. */
  startTls(): Promise<void>;
  /** Expect a new stream header (after SASL success, RFC 6120 §6.4.6). */
  resetStream(): void;
  /** Sends a stream error with `condition` (and text), closes the stream and the socket. */
  close(reason?: string): void;
  /** Sends raw XML (stream-level elements such as SASL challenges). */
  send(stanza: Element): void;
  /** The `from` of the client's stream header, if any. */
  streamFrom?: string | undefined;
  /** Space for per-session state of other modules, keyed by module name. */
  readonly state: Map<string, unknown>;
}

/** `stream-features` on the host: each module adds its children to `features`. */
export interface StreamFeaturesEvent {
  origin: C2sSession;
  features: Element;
}

/** SCRAM credentials as stored (RFC 5802): never the password. */
export interface ScramCredentials {
  /** `sha-1` or `sha-256`. */
  hash: "sha-1" | "sha-256";
  salt: string;
  iterations: number;
  /** base64 */
  storedKey: string;
  /** base64 */
  serverKey: string;
}

/**
 * An authentication provider (`module.provides("auth", provider)`), chosen by the `authentication`
 * option (default `internal_hashed`).
 */
export interface AuthProvider {
  name: string;
  userExists(username: string): Promise<boolean>;
  createUser(username: string, password: string): Promise<void>;
  setPassword(username: string, password: string): Promise<void>;
  deleteUser(username: string): Promise<void>;
  testPassword(username: string, password: string): Promise<boolean>;
  /** The stored SCRAM credentials for one hash, or undefined when the user does not exist. */
  getScramCredentials(username: string, hash: "sha-1" | "sha-256"): Promise<ScramCredentials | undefined>;
  users(): AsyncIterable<string>;
  /**
   * The SASL mechanisms this provider takes, when not the password ones (SCRAM-SHA-256,
   * SCRAM-SHA-1, PLAIN): auth_anonymous takes only `ANONYMOUS`.
   */
  saslMechanisms?: readonly string[];
}

/** The auth provider configured for the module's host, or undefined when none is loaded. */
export function authProvider(module: Module): AuthProvider | undefined {
  const wanted = module.getOptionString("authentication", "internal_hashed");
  return module.getHostItems<AuthProvider>("auth-provider").find((provider) => provider.name === wanted);
}

/** The namespace table of @canto/stanza, re-exported so modules keep importing it from here. */
export { NS } from "canto";
