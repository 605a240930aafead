import { type Element, errorReply, type Module, type RoutingEvent, reply, type Session } from "canto";
import {
  type AuthProvider,
  authProvider,
  type C2sSession,
  NS,
  type StreamFeaturesEvent,
} from "../shared/contracts.js";
import { reloadableOptions } from "../shared/options.js";
import { accountDeleted } from "./accounts.js";
import { AccountError } from "./errors.js";
import { prepUsername } from "./username.js";

/** `user-registering`: handlers may set `allowed = false` (and `reason`) to refuse a registration. */
export interface UserRegisteringEvent {
  username: string;
  host: string;
  source: string;
  session: Session;
  allowed: boolean;
  reason?: string;
}

function fieldText(query: Element, name: string): string | undefined {
  const child = query.getChild(name);
  return child === undefined ? undefined : child.getText();
}

/**
 * `register`: in-band registration (XEP-0077). Before authentication, and only with
 * `allow_registration`, a client can ask for the form and create an account (also over plain TCP
 * only when `c2s_require_encryption` is off). After authentication, a user can change their
 * password or cancel their account, whatever `allow_registration` says (as Prosody's
 * mod_user_account_management).
 */
export default function register(module: Module): void {
  // Re-read on a config reload, so an operator can open or close registration with SIGHUP; the
  // disco feature follows.
  const options = reloadableOptions(
    module,
    () => ({
      allowRegistration: module.getOptionBoolean("allow_registration", false),
      requireEncryption: module.getOptionBoolean("c2s_require_encryption", true),
      instructions: module.getOptionString(
        "registration_instructions",
        "Choose a username and password for use with this service.",
      ),
    }),
    (now, before) => {
      if (now.allowRegistration === (before?.allowRegistration ?? false)) return;
      if (now.allowRegistration) module.addFeature(NS.register);
      else module.removeItem("feature", NS.register);
    },
  );

  module.hook("stream-features", (event: StreamFeaturesEvent) => {
    const session = event.origin;
    const { allowRegistration, requireEncryption } = options();
    if (!allowRegistration || session.type !== "c2s_unauthed") return;
    if (requireEncryption && !session.secure) return;
    event.features.c("register", { xmlns: NS.register_feature });
  });

  function provider(session: Session, stanza: Element): AuthProvider | undefined {
    const found = authProvider(module);
    if (found === undefined) {
      module.log("error", "no auth provider on %s: enable auth_internal_hashed", module.host);
      session.send(errorReply(stanza, "wait", "internal-server-error", "No account storage is available"));
    }
    return found;
  }

  function refuse(session: Session, stanza: Element, error: unknown): true {
    if (error instanceof AccountError) {
      if (error.code === "user-exists") {
        session.send(errorReply(stanza, "cancel", "conflict", "The requested username already exists"));
      } else if (error.code === "invalid-username" || error.code === "invalid-password") {
        session.send(errorReply(stanza, "modify", "not-acceptable", error.message));
      } else if (error.code === "user-not-found") {
        session.send(errorReply(stanza, "auth", "registration-required", error.message));
      } else session.send(errorReply(stanza, "wait", "internal-server-error", error.message));
      return true;
    }
    module.log("error", "registration request failed: %s", error);
    session.send(errorReply(stanza, "wait", "internal-server-error", "The account could not be changed"));
    return true;
  }

  // Before authentication: the router fires stanza/iq/<ns>:<name> for unauthenticated IQs.
  module.hook(`stanza/iq/${NS.register}:query`, async (event: { origin: C2sSession; stanza: Element }) => {
    const { origin: session, stanza } = event;
    if (session.type !== "c2s_unauthed") return undefined;
    const type = stanza.attrs.type;
    if (type !== "get" && type !== "set") return undefined;
    const { allowRegistration, requireEncryption, instructions } = options();
    if (!allowRegistration) {
      session.send(
        errorReply(stanza, "cancel", "not-allowed", "In-band registration is not enabled on this server"),
      );
      return true;
    }
    if (requireEncryption && !session.secure) {
      session.send(errorReply(stanza, "modify", "policy-violation", "Encryption is required to register"));
      return true;
    }
    if (type === "get") {
      const query = reply(stanza).c("query", { xmlns: NS.register });
      query.c("instructions").t(instructions);
      query.c("username");
      query.c("password");
      session.send(query.root());
      return true;
    }
    const query = stanza.getChild("query", NS.register)!;
    if (query.getChild("remove") !== undefined) {
      session.send(
        errorReply(stanza, "auth", "not-authorized", "Authenticate before cancelling a registration"),
      );
      return true;
    }
    const username = fieldText(query, "username");
    const password = fieldText(query, "password");
    if (username === undefined || password === undefined || username === "" || password === "") {
      session.send(errorReply(stanza, "modify", "not-acceptable", "A username and a password are required"));
      return true;
    }
    const accounts = provider(session, stanza);
    if (accounts === undefined) return true;
    let node: string;
    try {
      node = prepUsername(username);
    } catch (error) {
      return refuse(session, stanza, error);
    }
    const registering: UserRegisteringEvent = {
      username: node,
      host: module.host,
      source: "register",
      session,
      allowed: true,
    };
    await module.fireEvent("user-registering", registering);
    if (!registering.allowed) {
      session.send(
        errorReply(stanza, "modify", "not-acceptable", registering.reason ?? "Registration refused"),
      );
      return true;
    }
    try {
      await accounts.createUser(node, password);
    } catch (error) {
      return refuse(session, stanza, error);
    }
    module.log("info", "registered %s@%s from %s", node, module.host, session.ip);
    session.send(reply(stanza));
    await module.fireEvent("user-registered", {
      username: node,
      host: module.host,
      source: "register",
      session,
    });
    return true;
  });

  // After authentication: password change and account removal (XEP-0077 §3.2, §3.3).
  async function handleAccount(event: RoutingEvent): Promise<true | undefined> {
    const { origin: session, stanza } = event;
    const username = session.username;
    if (session.type !== "c2s" || username === undefined || session.host !== module.host) return undefined;
    if (stanza.attrs.type === "get") {
      const query = reply(stanza).c("query", { xmlns: NS.register });
      query.c("registered");
      query.c("username").t(username);
      query.c("password");
      session.send(query.root());
      return true;
    }
    if (stanza.attrs.type !== "set") return undefined;
    const accounts = provider(session, stanza);
    if (accounts === undefined) return true;
    const query = stanza.getChild("query", NS.register)!;
    if (query.getChild("remove") !== undefined) {
      try {
        await accounts.deleteUser(username);
      } catch (error) {
        return refuse(session, stanza, error);
      }
      module.log("info", "account %s@%s deleted by its user", username, module.host);
      session.send(reply(stanza));
      await accountDeleted(module.server, module.host, username, "register");
      return true;
    }
    const asked = fieldText(query, "username");
    const password = fieldText(query, "password");
    if (password === undefined || password === "") {
      session.send(errorReply(stanza, "modify", "bad-request", "A new password is required"));
      return true;
    }
    let same = asked === undefined;
    try {
      same ||= prepUsername(asked!) === username;
    } catch {
      same = false;
    }
    if (!same) {
      session.send(errorReply(stanza, "cancel", "not-allowed", "You can only change your own password"));
      return true;
    }
    try {
      await accounts.setPassword(username, password);
    } catch (error) {
      return refuse(session, stanza, error);
    }
    module.log("info", "password of %s@%s changed by its user", username, module.host);
    session.send(reply(stanza));
    await module.fireEvent("user-password-changed", { username, host: module.host, session });
    return true;
  }
  module.hook(`iq/self/${NS.register}:query`, handleAccount);
  module.hook(`iq/host/${NS.register}:query`, handleAccount);
}
