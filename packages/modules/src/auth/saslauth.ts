import { Element, type Module } from "canto";
import { authProvider, type C2sSession, NS, type StreamFeaturesEvent } from "../shared/contracts.js";
import { reloadableOptions } from "../shared/options.js";
import { AnonymousMechanism } from "./anonymous-mechanism.js";
import { LoginThrottle, LoginThrottledError } from "./login-throttle.js";
import { PlainMechanism } from "./plain.js";
import {
  failure,
  type SaslBackend,
  type SaslCondition,
  type SaslMechanism,
  type SaslStep,
} from "./sasl-mechanism.js";
import { DEFAULT_ITERATIONS, MIN_ITERATIONS } from "./scram.js";
import { ScramMechanism } from "./scram-mechanism.js";

/** The password mechanisms Canto offers, strongest first. */
export const MECHANISMS = ["SCRAM-SHA-256", "SCRAM-SHA-1", "PLAIN"] as const;
/** Every mechanism saslauth can run; a provider's `saslMechanisms` picks among them. */
const KNOWN = [...MECHANISMS, "ANONYMOUS"] as const;
type MechanismName = (typeof KNOWN)[number];

const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

interface SaslEvent {
  origin: C2sSession;
  stanza: Element;
}

function saslElement(name: string, data?: Buffer): Element {
  const element = new Element(name, { xmlns: NS.sasl });
  // RFC 6120 §6.4.2: empty data travels as "=", no data as an empty element.
  if (data !== undefined) element.t(data.length === 0 ? "=" : data.toString("base64"));
  return element;
}

function failureElement(condition: SaslCondition, text?: string): Element {
  const element = new Element("failure", { xmlns: NS.sasl });
  element.c(condition);
  if (text !== undefined) element.c("text", { "xml:lang": "en" }).t(text);
  return element;
}

/** The data of `<auth>` or `<response>`: undefined when absent, or the failure to send. */
function decodeData(stanza: Element): Buffer | undefined | SaslStep {
  const text = stanza.getText().replace(/\s+/g, "");
  if (text === "") return undefined;
  if (text === "=") return Buffer.alloc(0);
  if (!BASE64.test(text)) return failure("incorrect-encoding", "The SASL data is not valid base64");
  return Buffer.from(text, "base64");
}

/**
 * `saslauth`: SASL authentication for clients (RFC 6120 §6) with SCRAM-SHA-256, SCRAM-SHA-1 and
 * PLAIN (PLAIN only over TLS unless `allow_unencrypted_plain_auth`), nothing at all before TLS
 * while `c2s_require_encryption` holds. Wrong passwords throttle the account, never the address
 * (see {@link LoginThrottle}): a throttled account gets `temporary-auth-failure` until its window
 * ends, while other accounts of the same address log in.
 */
export default function saslauth(module: Module): void {
  // Policy options follow a config reload; the failure throttle keeps its limits until a module reload.
  const options = reloadableOptions(module, () => ({
    requireEncryption: module.getOptionBoolean("c2s_require_encryption", true),
    allowPlain: module.getOptionBoolean("allow_unencrypted_plain_auth", false),
    disabled: new Set(
      [...module.getOptionSet<string>("disable_sasl_mechanisms", [])].map((name) =>
        String(name).toUpperCase(),
      ),
    ),
    iterations: module.getOptionInteger("scram_iteration_count", DEFAULT_ITERATIONS, MIN_ITERATIONS),
  }));
  const throttle = new LoginThrottle(module);
  const countSuccess = module.measure("auth_success", "counter", {
    description: "Successful SASL authentications",
  });
  const countFailure = module.measure("auth_failure", "counter", {
    description: "Failed SASL authentications",
  });

  // The exchange in progress per connection, and the account it is for; gone with the connection.
  const exchanges = new WeakMap<C2sSession, SaslMechanism>();
  const attempted = new WeakMap<C2sSession, string>();

  /** The provider's mechanisms (the password ones unless it says otherwise), less the disabled. */
  function usable(): MechanismName[] {
    const provider = authProvider(module);
    if (provider === undefined) return [];
    const wanted: readonly string[] = provider.saslMechanisms ?? MECHANISMS;
    const { disabled } = options();
    return KNOWN.filter((name) => wanted.includes(name) && !disabled.has(name));
  }

  function offered(session: C2sSession): MechanismName[] {
    const { allowPlain } = options();
    return usable().filter((name) => name !== "PLAIN" || session.secure || allowPlain);
  }

  module.hook("stream-features", (event: StreamFeaturesEvent) => {
    const session = event.origin;
    if (session.type !== "c2s_unauthed") return;
    if (options().requireEncryption && !session.secure) {
      module.log("debug", "not offering authentication on an unencrypted connection (%s)", session.id);
      return;
    }
    const names = offered(session);
    if (names.length === 0) {
      module.log("warn", "no SASL mechanisms to offer %s: is an auth provider loaded?", session.id);
      return;
    }
    const mechanisms = event.features.c("mechanisms", { xmlns: NS.sasl });
    for (const name of names) mechanisms.c("mechanism").t(name);
  });

  function backend(session: C2sSession): SaslBackend | undefined {
    const provider = authProvider(module);
    if (provider === undefined) return undefined;
    // The account is known once the mechanism asks for its credentials: throttle it there.
    const account = (username: string) => {
      attempted.set(session, username);
      if (throttle.blocked(username, session.ip)) throw new LoginThrottledError(username);
    };
    return {
      host: module.host,
      getScramCredentials: async (username, hash) => {
        account(username);
        return provider.getScramCredentials(username, hash);
      },
      testPassword: async (username, password) => {
        account(username);
        return provider.testPassword(username, password);
      },
    };
  }

  function create(name: MechanismName, sasl: SaslBackend): SaslMechanism {
    if (name === "PLAIN") return new PlainMechanism(sasl);
    if (name === "ANONYMOUS") return new AnonymousMechanism();
    return new ScramMechanism(name === "SCRAM-SHA-1" ? "sha-1" : "sha-256", sasl, {
      iterations: options().iterations,
    });
  }

  function refuse(session: C2sSession, condition: SaslCondition, text?: string): true {
    session.send(failureElement(condition, text));
    return true;
  }

  async function run(session: C2sSession, mechanism: SaslMechanism, data: Buffer | undefined): Promise<true> {
    let step: SaslStep;
    try {
      step = await mechanism.step(data);
    } catch (error) {
      if (error instanceof LoginThrottledError) {
        module.log(
          "info",
          "too many failed logins for %s, refusing %s (%s)",
          error.username,
          session.id,
          session.ip,
        );
        step = failure("temporary-auth-failure", "Too many failed authentication attempts; try again later");
      } else {
        module.log("error", "SASL %s failed for %s: %s", mechanism.name, session.id, error);
        step = failure("temporary-auth-failure", "Authentication is not possible right now; try again later");
      }
    }
    if (step.type === "challenge") {
      session.send(saslElement("challenge", step.data));
      return true;
    }
    exchanges.delete(session);
    if (step.type === "failure") {
      countFailure();
      const username = attempted.get(session);
      if (step.condition === "not-authorized" && username !== undefined) throttle.fail(username, session.ip);
      module.log(
        "info",
        "authentication with %s failed for %s (%s): %s",
        mechanism.name,
        session.id,
        session.ip,
        step.condition,
      );
      await module.fireEvent("authentication-failure", {
        session,
        condition: step.condition,
        text: step.text,
      });
      return refuse(session, step.condition, step.text);
    }
    // As Prosody's make_authenticated: the session carries the account's role for access checks.
    let role: string | undefined;
    try {
      role = (await module.server.authz.host(module.host).loadUserRole(step.username))?.name;
    } catch (error) {
      module.log("warn", "could not load the role of %s: %s", step.username, error);
    }
    try {
      module.server.sessionManager.authenticate(session, step.username, role);
    } catch (error) {
      module.log("warn", "could not mark %s authenticated: %s", session.id, error);
      return refuse(session, "aborted", "The session cannot be authenticated");
    }
    countSuccess();
    module.log(
      "info",
      "client %s authenticated as %s@%s with %s",
      session.id,
      step.username,
      module.host,
      mechanism.name,
    );
    session.send(saslElement("success", step.data));
    session.resetStream();
    return true;
  }

  module.hook(`stanza/${NS.sasl}:auth`, (event: SaslEvent) => {
    const { origin: session, stanza } = event;
    if (session.type === "c2s") return refuse(session, "not-authorized", "Already authenticated");
    if (session.type !== "c2s_unauthed") return undefined;
    if (options().requireEncryption && !session.secure) {
      return refuse(
        session,
        "encryption-required",
        "Encryption (STARTTLS) is required before authentication",
      );
    }
    const name = String(stanza.attrs.mechanism ?? "").toUpperCase();
    attempted.delete(session);
    const sasl = backend(session);
    if (sasl === undefined) {
      module.log("error", "no auth provider for %s: enable auth_internal_hashed", module.host);
      return refuse(session, "temporary-auth-failure", "No authentication provider is available");
    }
    const { allowPlain } = options();
    if (!(usable() as string[]).includes(name)) {
      return refuse(session, "invalid-mechanism", `Mechanism ${JSON.stringify(name)} is not offered`);
    }
    if (name === "PLAIN" && !session.secure && !allowPlain) {
      return refuse(session, "encryption-required", "PLAIN is only allowed over an encrypted connection");
    }
    const data = decodeData(stanza);
    if (data !== undefined && !Buffer.isBuffer(data))
      return refuse(session, "incorrect-encoding", (data as { text?: string }).text);
    const mechanism = create(name as MechanismName, sasl);
    exchanges.set(session, mechanism);
    return run(session, mechanism, data);
  });

  module.hook(`stanza/${NS.sasl}:response`, (event: SaslEvent) => {
    const { origin: session, stanza } = event;
    const mechanism = exchanges.get(session);
    if (mechanism === undefined) return refuse(session, "not-authorized", "Out of order SASL element");
    const data = decodeData(stanza);
    if (data !== undefined && !Buffer.isBuffer(data)) {
      exchanges.delete(session);
      return refuse(session, "incorrect-encoding", (data as { text?: string }).text);
    }
    return run(session, mechanism, data);
  });

  module.hook(`stanza/${NS.sasl}:abort`, (event: SaslEvent) => {
    exchanges.delete(event.origin);
    return refuse(event.origin, "aborted");
  });
}
