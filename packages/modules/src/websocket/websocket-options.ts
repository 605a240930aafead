import type { Module } from "canto";

/** The options of one host's WebSocket endpoint (Prosody's mod_websocket names and defaults). */
export interface WebSocketOptions {
  /** Plain `ws://` sessions count as encrypted (a TLS proxy in front) (`consider_websocket_secure`). */
  considerSecure: boolean;
  /** Largest XML element in bytes (`c2s_stanza_size_limit`, as for TCP clients). */
  stanzaSizeLimit: number;
  /** Largest WebSocket message, fragments included (`websocket_frame_buffer_limit`). */
  frameBufferLimit: number;
  /** Seconds an unauthenticated session may live (`c2s_timeout`). */
  handshakeTimeout: number;
  /** Seconds without input before a ping (`c2s_idle_timeout`); no answer by the next one ends the session. */
  idleTimeout: number;
  /** Origins allowed to connect: `true` for any, else a set (`cross_domain_websocket`). */
  allowedOrigins: true | ReadonlySet<string>;
}

/** `cross_domain_websocket`: `true`, `"*"`, or a list of origins such as `"https://chat.example.com"`. */
function origins(module: Module): true | ReadonlySet<string> {
  const value = module.getOption("cross_domain_websocket");
  if (value === undefined || value === false) return new Set();
  if (value === true || value === "*") return true;
  const list = typeof value === "string" ? [value] : value;
  if (!Array.isArray(list)) {
    throw new TypeError(
      `option cross_domain_websocket: expected true or a list of origins such as { "https://chat.example.com" }`,
    );
  }
  const set = new Set<string>();
  for (const entry of list) {
    if (entry === "*") return true;
    if (typeof entry !== "string" || !/^[a-z][a-z0-9+.-]*:\/\/[^/\s]+$/i.test(entry)) {
      throw new TypeError(
        `option cross_domain_websocket: ${JSON.stringify(entry)} is not an origin such as "https://chat.example.com"`,
      );
    }
    set.add(entry.toLowerCase());
  }
  return set;
}

export function readWebSocketOptions(module: Module): WebSocketOptions {
  const stanzaSizeLimit = module.getOptionInteger("c2s_stanza_size_limit", 256 * 1024, 1024);
  return {
    considerSecure: module.getOptionBoolean("consider_websocket_secure", false),
    stanzaSizeLimit,
    frameBufferLimit: module.getOptionInteger("websocket_frame_buffer_limit", 2 * stanzaSizeLimit, 1024),
    handshakeTimeout: module.getOptionPeriod("c2s_timeout", 300, 1),
    idleTimeout: module.getOptionPeriod("c2s_idle_timeout", 840, 1),
    allowedOrigins: origins(module),
  };
}
