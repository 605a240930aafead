import type { Module } from "canto";
import { interfacesOption, portsOption } from "../shared/listener-options.js";
import { parseRate } from "./rate-limit.js";

/** The c2s options, read once by the global instance (Prosody's option names and defaults). */
export interface C2sOptions {
  ports: number[];
  directTlsPorts: number[];
  interfaces: string[];
  directTlsInterfaces: string[];
  /** Largest stanza in bytes (`c2s_stanza_size_limit`). */
  stanzaSizeLimit: number;
  /** Seconds an unauthenticated session may live (`c2s_timeout`). */
  handshakeTimeout: number;
  /** Seconds without input before a whitespace keepalive (`c2s_idle_timeout`). */
  idleTimeout: number;
  /** Seconds to wait for the peer to close after our `</stream:stream>` (`c2s_close_timeout`). */
  closeTimeout: number;
  /**
   * Unauthenticated connections allowed per IP address (`c2s_max_unauthed_per_ip`); `Infinity`
   * (the default, or 0) for no cap, as Prosody has none: many clients share one NAT address.
   */
  maxUnauthedPerIp: number;
  /** Bytes per second and burst seconds per session (`limits.c2s`), or undefined for no limit. */
  rateLimit: { rate: number; burst: number } | undefined;
}

/** Prosody's mod_limits: `limits = { c2s = { rate = "3kb/s", burst = "2s" } }`; no limit when unset. */
function rateLimit(module: Module): C2sOptions["rateLimit"] {
  const limits = module.getOption("limits");
  if (limits === undefined) return undefined;
  if (typeof limits !== "object" || Array.isArray(limits)) {
    throw new TypeError(`option limits: expected a table such as { c2s = { rate = "3kb/s" } }`);
  }
  const c2s = (limits as Record<string, unknown>).c2s;
  if (c2s === undefined) return undefined;
  if (typeof c2s !== "object" || c2s === null || Array.isArray(c2s)) {
    throw new TypeError(`option limits.c2s: expected a table with rate and burst`);
  }
  const { rate, burst } = c2s as Record<string, unknown>;
  const bytes = rate === undefined ? 3000 : parseRate(rate, "option limits.c2s.rate");
  let seconds = 2;
  if (burst !== undefined) {
    const m =
      typeof burst === "number"
        ? [String(burst), String(burst)]
        : /^\s*(\d+(?:\.\d+)?)\s*s?\s*$/.exec(String(burst));
    if (!m || !(Number(m[1]) > 0)) {
      throw new TypeError(
        `option limits.c2s.burst: expected seconds such as "2s", got ${JSON.stringify(burst)}`,
      );
    }
    seconds = Number(m[1]);
  }
  return { rate: bytes, burst: seconds };
}

export function readC2sOptions(module: Module): C2sOptions {
  const c2sInterfaces = interfacesOption(
    module,
    "c2s_interfaces",
    interfacesOption(module, "interfaces", ["127.0.0.1"]),
  );
  return {
    ports: portsOption(module, "c2s_ports", [5222]),
    directTlsPorts: portsOption(module, "c2s_direct_tls_ports", [5223]),
    interfaces: c2sInterfaces,
    directTlsInterfaces: interfacesOption(module, "c2s_direct_tls_interfaces", c2sInterfaces),
    stanzaSizeLimit: module.getOptionInteger("c2s_stanza_size_limit", 256 * 1024, 1024),
    handshakeTimeout: module.getOptionPeriod("c2s_timeout", 300, 1),
    idleTimeout: module.getOptionPeriod("c2s_idle_timeout", 840, 1),
    closeTimeout: module.getOptionPeriod("c2s_close_timeout", 5, 0),
    maxUnauthedPerIp: module.getOptionInteger("c2s_max_unauthed_per_ip", 0, 0) || Number.POSITIVE_INFINITY,
    rateLimit: rateLimit(module),
  };
}
