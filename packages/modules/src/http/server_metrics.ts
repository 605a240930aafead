import type { Module } from "canto";

const KINDS = ["message", "presence", "iq"] as const;
const DESTINATIONS = ["full", "bare", "host", "self"] as const;
/** Seconds; routing is in-process, so the interesting range starts well under a millisecond. */
const ROUTING_BUCKETS = [0.0001, 0.001, 0.01, 0.1, 1, 10];

function isThenable(value: unknown): value is PromiseLike<unknown> {
  return (
    typeof value === "object" && value !== null && typeof (value as PromiseLike<unknown>).then === "function"
  );
}

/**
 * The server's own figures, for /metrics: bound client sessions per host (read on the global
 * `stats-update` event that http_openmetrics fires before each scrape), stanzas received from
 * clients by kind, and how long routing a stanza takes by kind and destination. Authentication
 * successes and failures are counted by saslauth.
 */
export default function serverMetrics(module: Module): void {
  module.setGlobal();
  const sessions = module.metric("gauge", "sessions", "", "Bound client sessions", ["host"]);
  const seen = new Set<string>();

  module.hook("stats-update", () => {
    const counts = new Map<string, number>();
    for (const host of module.server.hosts()) counts.set(host.name, 0);
    for (const session of module.server.sessions.all()) {
      counts.set(session.host, (counts.get(session.host) ?? 0) + 1);
    }
    // Hosts that went away drop to 0 rather than keep their last value.
    for (const host of seen) if (!counts.has(host)) counts.set(host, 0);
    for (const [host, count] of counts) {
      seen.add(host);
      sessions.withLabels(host).set(count);
    }
    return undefined;
  });

  module.addHost = (hostModule: Module) => {
    const stanzasIn = hostModule.metric("counter", "stanzas_in", "", "Stanzas received from clients", [
      "kind",
    ]);
    const byKind = new Map(KINDS.map((kind) => [kind as string, stanzasIn.withLabels(kind)]));
    hostModule.hook(
      "pre-stanza",
      (event: { stanza: { name: string } }) => {
        byKind.get(event.stanza.name)?.add();
        return undefined;
      },
      1000,
    );

    const routing = hostModule.metric(
      "histogram",
      "routing",
      "seconds",
      "Time to route a stanza through its handlers",
      ["kind", "to"],
      { buckets: ROUTING_BUCKETS },
    );
    for (const kind of KINDS) {
      for (const to of DESTINATIONS) {
        const series = routing.withLabels(kind, to);
        hostModule.wrapEvent(`${kind}/${to}`, (next, name, data) => {
          const start = performance.now();
          const record = () => series.sample((performance.now() - start) / 1000);
          const result = next(name, data);
          if (isThenable(result)) {
            return Promise.resolve(result).finally(record);
          }
          record();
          return result;
        });
      }
    }
    return undefined;
  };
}
