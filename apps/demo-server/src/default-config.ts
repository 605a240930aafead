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
];

/**
 * The config `canto start` uses when the working folder has no `canto.config.*` or
 * `prosody.cfg.lua`: one host, `localhost`, served on loopback only, data in `./data`.
 *
 * `available` is the set of module names the server can load; `http` is enabled only when it is
 * in there, so the server starts whether or not that module has been written yet.
 */
export function defaultConfig(available: Readonly<Record<string, unknown>>): CantoConfig {
  const http = "http" in available;
  return {
    log_level: "info",
    data_path: "./data",
    c2s_interfaces: ["127.0.0.1"],
    c2s_ports: [5222],
    c2s_direct_tls_ports: [5223],
    // TODO(http): drop this condition once `http` is part of @canto/modules' standardModules.
    ...(http && { http_interfaces: ["127.0.0.1"], http_ports: [5280] }),
    modules_enabled: http ? [...DEFAULT_MODULES, "http"] : [...DEFAULT_MODULES],
    allow_registration: false,
    hosts: { localhost: {} },
  };
}
