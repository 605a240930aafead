import type { Module } from "canto";
import { interfacesOption, portsOption } from "../shared/listener-options.js";

/** The listener options, read once by the global instance (Prosody's names and defaults). */
export interface ComponentListenerOptions {
  ports: number[];
  interfaces: string[];
  /** Largest stanza in bytes (`component_stanza_size_limit`). */
  stanzaSizeLimit: number;
  /** Seconds a connection may take to open its stream and complete the handshake (`component_timeout`). */
  handshakeTimeout: number;
  /** Seconds to wait for the peer to close after our `</stream:stream>`. */
  closeTimeout: number;
}

/** What a second connection for an already connected component does (`component_conflict_resolve`). */
export type ConflictPolicy = "kick_new" | "kick_old";

/** The options of one component host, read when the host is added. */
export interface ComponentHostOptions {
  /** `component_secret`; without one, every handshake is refused. */
  secret: string | undefined;
  conflict: ConflictPolicy;
  /** `validate_from_addresses`: stanzas from the component must come from its own domain. */
  validateFrom: boolean;
}

export function readListenerOptions(module: Module): ComponentListenerOptions {
  return {
    ports: portsOption(module, "component_ports", [5347]),
    // Components are trusted local processes: loopback only unless configured otherwise.
    interfaces: interfacesOption(module, "component_interfaces", ["127.0.0.1"]),
    stanzaSizeLimit: module.getOptionInteger(
      "component_stanza_size_limit",
      module.getOptionInteger("s2s_stanza_size_limit", 512 * 1024, 1024),
      1024,
    ),
    handshakeTimeout: module.getOptionPeriod("component_timeout", 60, 1),
    closeTimeout: 5,
  };
}

export function readHostOptions(module: Module): ComponentHostOptions {
  const secret = module.getOptionString("component_secret");
  const conflict = module.getOptionString("component_conflict_resolve", "kick_new");
  if (conflict !== "kick_new" && conflict !== "kick_old") {
    throw new TypeError(
      `option component_conflict_resolve on ${module.host}: expected "kick_new" or "kick_old", got ${JSON.stringify(conflict)}`,
    );
  }
  return {
    secret: secret === "" ? undefined : secret,
    conflict,
    validateFrom: module.getOptionBoolean("validate_from_addresses", true),
  };
}
