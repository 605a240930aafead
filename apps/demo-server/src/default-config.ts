import type { CantoConfig } from "canto";

/** The modules the default config enables on top of `@canto/modules`' AUTOLOAD set. */
export const DEFAULT_MODULES: readonly string[] = [
  "tls",
  "saslauth",
  "auth_internal_hashed",
  "register",
  "bind",
  "roster",
  "disco",
  "ping",
  "version",
  "time",
  "uptime",
  "lastactivity",
  "private",
  "vcard",
  "blocking",
  "server_contact_info",
  "smacks",
  "mam",
  "carbons",
  "http",
  "websocket",
  "http_openmetrics",
  // start.ts loads it ahead of the others (autoloadFor), so it times every store they open.
  "server_metrics",
];

/**
 * The config `canto start` uses when the working folder has no `canto.config.*` or
 * `prosody.cfg.lua`: one host, `localhost`, served on loopback only, data in `./data`.
 *
 * `available` is the set of module names the server can load: only those of DEFAULT_MODULES that
 * it has are enabled, so a trimmed-down module set still starts.
 */
export function defaultConfig(available: Readonly<Record<string, unknown>>): CantoConfig {
  return {
    log_level: "info",
    data_path: "./data",
    c2s_interfaces: ["127.0.0.1"],
    c2s_ports: [5222],
    c2s_direct_tls_ports: [5223],
    http_interfaces: ["127.0.0.1"],
    http_ports: [5280],
    // The HTTP port is on loopback only, so a browser on this machine may use plain ws://.
    consider_websocket_secure: true,
    modules_enabled: DEFAULT_MODULES.filter((name) => name in available),
    allow_registration: false,
    hosts: { localhost: {} },
  };
}
