import type { Module } from "canto";

/** The options of the BOSH endpoint (Prosody's mod_bosh names and defaults, global as there). */
export interface BoshOptions {
  /** Seconds a session may go without a request held before it ends (`bosh_max_inactivity`). */
  maxInactivity: number;
  /** Shortest interval, in seconds, between empty requests of a polling client (`bosh_max_polling`). */
  maxPolling: number;
  /** Longest a request is held, in seconds; a client may ask for less (`bosh_max_wait`). */
  maxWait: number;
  /** Requests a client may have open at once (`bosh_max_requests`); `hold` is one less. */
  maxRequests: number;
  /** Longest `pause` a client may ask for, in seconds (`bosh_max_pause`). */
  maxPause: number;
  /** Largest request body in bytes (`bosh_max_body_size`). */
  maxBodySize: number;
  /** Plain-HTTP sessions count as encrypted (a TLS proxy in front) (`consider_bosh_secure`). */
  considerSecure: boolean;
  /** Seconds an unauthenticated session may live (`c2s_timeout`). */
  handshakeTimeout: number;
  /** What `ClientStream` calls the idle timeout: here the inactivity limit. */
  idleTimeout: number;
  cors: CorsOptions;
}

/** Cross-origin access for browser pages on other origins (`http_cors_override = { bosh = {...} }`). */
export interface CorsOptions {
  enabled: boolean;
  /** `true` for any origin, else the origins allowed. */
  origins: true | ReadonlySet<string>;
  credentials: boolean;
  headers: readonly string[];
  maxAge: number;
}

const ORIGIN = /^[a-z][a-z0-9+.-]*:\/\/[^/\s]+$/i;

function originSet(value: unknown, option: string): true | ReadonlySet<string> {
  if (value === undefined || value === true || value === "*") return true;
  const list = typeof value === "string" ? [value] : value;
  if (!Array.isArray(list)) {
    throw new TypeError(
      `option ${option}: expected "*" or a list of origins such as { "https://chat.example.com" }`,
    );
  }
  const set = new Set<string>();
  for (const entry of list) {
    if (entry === "*") return true;
    if (typeof entry !== "string" || !ORIGIN.test(entry)) {
      throw new TypeError(
        `option ${option}: ${JSON.stringify(entry)} is not an origin such as "https://chat.example.com"`,
      );
    }
    set.add(entry.toLowerCase());
  }
  return set;
}

/**
 * CORS as Prosody's mod_http applies it to mod_bosh: on by default (`http_default_cors_enabled`),
 * overridden by `http_cors_override.bosh`; the deprecated `cross_domain_bosh` still picks the
 * origins (`false` turns it off).
 */
function readCors(module: Module): CorsOptions {
  const override = (module.getOption("http_cors_override") as Record<string, unknown> | undefined)?.bosh as
    | { enabled?: unknown; origins?: unknown; credentials?: unknown; headers?: Record<string, unknown> }
    | undefined;
  const legacy = module.getOption("cross_domain_bosh");
  let enabled = module.getOptionBoolean("http_default_cors_enabled", true);
  let origins: true | ReadonlySet<string> = originSet(
    module.getOption("access_control_allow_origins"),
    "access_control_allow_origins",
  );
  if (legacy === false) enabled = false;
  else if (legacy !== undefined) origins = originSet(legacy, "cross_domain_bosh");
  let credentials = module.getOptionBoolean("access_control_allow_credentials", false);
  const headers = new Set(["Content-Type"]);
  if (override !== undefined) {
    if (override.enabled === false) enabled = false;
    else if (override.enabled === true) {
      enabled = true;
      if (typeof override.credentials === "boolean") credentials = override.credentials;
      if (override.origins !== undefined)
        origins = originSet(override.origins, "http_cors_override.bosh.origins");
      for (const [header, on] of Object.entries(override.headers ?? {})) {
        if (on) headers.add(header);
        else headers.delete(header);
      }
    }
  }
  return {
    enabled,
    origins,
    credentials,
    headers: [...headers],
    maxAge: module.getOptionInteger("access_control_max_age", 2 * 60 * 60, 0),
  };
}

export function readBoshOptions(module: Module): BoshOptions {
  const maxInactivity = module.getOptionPeriod("bosh_max_inactivity", 60, 1);
  return {
    maxInactivity,
    maxPolling: module.getOptionPeriod("bosh_max_polling", 5, 0),
    maxWait: module.getOptionPeriod("bosh_max_wait", 120, 1),
    maxRequests: module.getOptionInteger("bosh_max_requests", 2, 1),
    maxPause: module.getOptionPeriod("bosh_max_pause", 120, 0),
    maxBodySize: module.getOptionInteger(
      "bosh_max_body_size",
      module.getOptionInteger("c2s_stanza_size_limit", 256 * 1024, 1024),
      1024,
    ),
    considerSecure: module.getOptionBoolean("consider_bosh_secure", false),
    handshakeTimeout: module.getOptionPeriod("c2s_timeout", 300, 1),
    idleTimeout: maxInactivity,
    cors: readCors(module),
  };
}
