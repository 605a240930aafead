import type { Module, Session } from "canto";

/** What the transports export (`C2sApi`, `WebSocketApi`): every open connection, authenticated or not. */
interface TransportApi {
  sessions(): readonly (Session & { readonly ip?: string })[];
}

/** The transport modules whose connections are counted, by the `transport` label they get. */
const TRANSPORTS = ["c2s", "websocket"] as const;
const FAMILIES = ["ipv4", "ipv6"] as const;

function transportApi(module: Module, name: string): TransportApi | undefined {
  const exports = module.server.manager.get("*", name)?.exports as Partial<TransportApi> | undefined;
  return typeof exports?.sessions === "function" ? (exports as TransportApi) : undefined;
}

/**
 * Open client connections, as Prosody's mod_c2s gauge `connections{host,type,ip_family}`, plus
 * the transport: read from the transports' `sessions()` at each scrape. `type` is the session's
 * (`c2s_unauthed` until authenticated, then `c2s`); `host` is empty while the stream has not named
 * one this server serves, so a client cannot add label values. Returns the `stats-update` step.
 */
export function connectionsGauge(module: Module): () => void {
  const gauge = module.metric("gauge", "connections", "", "Open client connections", [
    "host",
    "transport",
    "type",
    "ip_family",
  ]);
  /** Label sets reported before: a set that has no connection now is reported as 0. */
  const seen = new Map<string, readonly string[]>();

  return () => {
    const counts = new Map<string, { labels: readonly string[]; count: number }>();
    const count = (labels: readonly string[], add: number) => {
      const key = labels.join("\u0000");
      const entry = counts.get(key);
      if (entry === undefined) counts.set(key, { labels, count: add });
      else entry.count += add;
    };
    for (const transport of TRANSPORTS) {
      const api = transportApi(module, transport);
      if (api === undefined) continue;
      for (const session of api.sessions()) {
        const host = module.server.host(session.host) === undefined ? "" : session.host;
        const type = session.type === "c2s" ? "c2s" : "c2s_unauthed";
        const v6 = session.ip?.includes(":") === true && !session.ip.startsWith("::ffff:");
        // Both families always, so queries need no `or` for a family with no connection yet.
        for (const family of FAMILIES) {
          count([host, transport, type, family], (family === "ipv6") === v6 ? 1 : 0);
        }
      }
    }
    for (const [key, labels] of seen) if (!counts.has(key)) counts.set(key, { labels, count: 0 });
    for (const [key, { labels, count: value }] of counts) {
      seen.set(key, labels);
      gauge.withLabels(...labels).set(value);
    }
  };
}
