// How Prosody's module names map onto Canto's, so a prosody.cfg.lua runs unchanged: what is
// named differently, what Canto's core does by itself, what Canto does not have (and what to use
// instead), and what Prosody loads without being asked (the `authentication` provider, binding).

/** Prosody module names that Canto serves under another name. */
export const PROSODY_RENAMED: Readonly<Record<string, string>> = Object.freeze({
  blocklist: "blocking",
  // Prosody 0.12's mod_register is these three; Canto's register serves the first and the last.
  register_ibr: "register",
  user_account_management: "register",
});

/**
 * Prosody modules whose work Canto's core or `canto start` does: listing them changes nothing.
 * (`posix`: `canto start` writes `pidfile`; `iq`: the router answers IQs; storage and authz
 * providers: the `storage` option and roles are built in; `cron`: module timers are built in.)
 */
export const PROSODY_IN_CORE: ReadonlySet<string> = new Set([
  "iq",
  "posix",
  "cron",
  "authz_internal",
  "storage_internal",
  "storage_sql",
  "storage_memory",
  "storage_none",
]);

const NO_FEDERATION = "Canto has no server-to-server federation yet: each host serves its own users";
const NO_PEP = "Canto has no PEP yet, vcard serves vcard-temp (XEP-0054)";

/** Prosody's own modules that Canto does not have, with what to use instead. */
export const PROSODY_MISSING: Readonly<Record<string, string>> = Object.freeze({
  pep: NO_PEP,
  pep_simple: NO_PEP,
  pep_plus: NO_PEP,
  vcard4: "use vcard (vcard-temp, XEP-0054) until PEP lands",
  vcard_legacy: "use vcard (vcard-temp, XEP-0054) until PEP lands",
  bookmarks: "private (XEP-0049) keeps legacy bookmarks",
  s2s: NO_FEDERATION,
  s2s_auth_certs: NO_FEDERATION,
  s2s_bidi: NO_FEDERATION,
  dialback: NO_FEDERATION,
  limits: "c2s has its own rate limits (see the transport README)",
  register_limits: "register has its own limits",
  csi: "csi_simple handles <active/> and <inactive/> itself",
  admin_adhoc: "use the canto CLI or admin_web",
  admin_shell: "use the canto CLI or admin_web",
  admin_telnet: "use the canto CLI or admin_web",
  admin_socket: "use the canto CLI or admin_web",
  adhoc: "no ad-hoc commands yet",
  announce: "no announcements yet",
  motd: "no message of the day yet",
  welcome: "no welcome message yet",
  watchregistrations: "no registration notices yet",
  invites: "no invitations yet, canto adduser creates accounts",
  invites_adhoc: "no invitations yet, canto adduser creates accounts",
  invites_register: "no invitations yet, canto adduser creates accounts",
  groups: "no shared roster groups yet",
  legacyauth: "XEP-0078 is obsolete, clients use SASL (saslauth)",
  tokenauth: "no token authentication yet",
  http_files: "no static file serving yet",
  http_errors: "http has its own error pages",
  external_services: "turn_external serves XEP-0215 for one STUN/TURN server",
  proxy65: "no SOCKS5 bytestreams proxy yet",
  muc_mam: "muc has no room archives yet",
  muc_unique: "not in Canto: clients pick room names",
  mimicking: "not in Canto",
  net_multiplex: "give each listener its own port",
  scansion_record: "not in Canto",
  stanza_debug: "set log_level = debug",
  debug_sql: "set log_level = debug",
  unknown: "not in Canto",
  windows: "not in Canto",
  auth_insecure: "not in Canto",
  auth_ldap: "no LDAP provider yet, use internal_hashed",
  storage_xep0227: "use canto import prosody",
  tombstones: "not in Canto, a deleted username can be registered again",
  console: "use the canto CLI or admin_web",
});

/** Whether `name` is one of Prosody's modules that Canto does not have (a module manager's `optional`). */
export function isMissingProsodyModule(name: string): boolean {
  return Object.hasOwn(PROSODY_MISSING, name);
}

/** What a config reader must offer (a `Config` does). */
interface OptionSource {
  get(host: string, name: string): unknown;
}

function listed(config: OptionSource, section: string, option: string): string[] {
  const value = config.get(section, option);
  return Array.isArray(value) ? value.filter((v): v is string => typeof v === "string") : [];
}

/**
 * The auth module Prosody loads by itself on a VirtualHost: `auth_<authentication>` (default
 * internal_hashed; `anonymous_login = true` is Prosody's old spelling of anonymous), none for
 * `authentication = "null"`.
 */
export function authModuleFor(config: OptionSource, host: string): string | undefined {
  const configured = config.get(host, "authentication");
  const name =
    config.get(host, "anonymous_login") === true
      ? "anonymous"
      : typeof configured === "string" && configured !== ""
        ? configured
        : "internal_hashed";
  return name === "null" ? undefined : `auth_${name}`;
}

/** Whether a module serves over HTTP, so Prosody's version of it depends on mod_http. */
const servesHttp = (name: string) =>
  name === "websocket" || name === "bosh" || name.startsWith("http_") || name === "admin_web";

/**
 * A module manager's `hostModules` for Prosody's names: renamed modules by their Canto name,
 * core ones left out, the `authentication` provider on every VirtualHost, `bind` with
 * `saslauth` (Prosody binds resources in saslauth) unless `modules_disabled` names it, and `http`
 * ahead of the modules that serve over it (Prosody's depend on mod_http).
 */
export function prosodyHostModules(config: OptionSource) {
  return (host: string, type: string | undefined, names: readonly string[]): string[] => {
    const result: string[] = [];
    for (const name of names) {
      if (PROSODY_IN_CORE.has(name)) continue;
      if (servesHttp(name) && !result.includes("http")) result.push("http");
      result.push(PROSODY_RENAMED[name] ?? name);
      if (name === "saslauth" && type === "local") {
        const disabled = [
          ...listed(config, "*", "modules_disabled"),
          ...listed(config, host, "modules_disabled"),
        ];
        if (!disabled.includes("bind")) result.push("bind");
      }
    }
    if (type === "local") {
      const auth = authModuleFor(config, host);
      if (auth !== undefined) result.push(auth);
    }
    return result;
  };
}

/**
 * One line naming each of Prosody's modules in `names` that Canto lacks, with what to use
 * instead (what `canto start` logs once); `undefined` when there is none.
 */
export function missingModulesLine(names: Iterable<string>): string | undefined {
  const missing = [...new Set(names)].filter(isMissingProsodyModule);
  if (missing.length === 0) return undefined;
  return `Prosody modules Canto does not have, not loaded: ${missing
    .map((name) => `${name}: ${PROSODY_MISSING[name]}`)
    .join("; ")}`;
}
