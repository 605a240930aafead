import { isThenable, type Module } from "canto";
import { CounterBatch, publishBatch } from "./server-metrics-batch.js";
import { connectionsGauge } from "./server-metrics-connections.js";
import { countStanzasOut } from "./server-metrics-out.js";
import { measureStorage } from "./server-metrics-storage.js";

const KINDS = ["message", "presence", "iq"] as const;
const DESTINATIONS = ["full", "bare", "host", "self"] as const;
/** Seconds; routing is in-process, so the interesting range starts well under a millisecond. */
const ROUTING_BUCKETS = [0.0001, 0.001, 0.01, 0.1, 1, 10];

/**
 * The server's own figures, for /metrics: open client connections and bound client sessions per
 * host (read on the global `stats-update` event that http_openmetrics fires before each scrape),
 * stanzas received from and sent to clients by kind, how long routing a stanza takes by kind and
 * destination, and how long each storage operation takes. Authentication successes and failures
 * are counted by saslauth.
 */
export default function serverMetrics(module: Module): void {
  module.setGlobal();
  const sessions = module.metric("gauge", "sessions", "", "Bound client sessions", ["host"]);
  const seen = new Set<string>();
  const updateConnections = connectionsGauge(module);

  module.hook("stats-update", () => {
    updateConnections();
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

  // In the global instance, loaded with the first host's instance: stores opened by any later
  // module on any host are timed, only those opened before it are not. Last in the body, as
  // nothing undoes the storage manager's hook but this unload.
  module.unload = measureStorage(module);

  module.addHost = (hostModule: Module) => {
    const stopOut = countStanzasOut(hostModule);
    const stanzasIn = hostModule.metric("counter", "stanzas_in", "", "Stanzas received from clients", [
      "kind",
    ]);
    const inBatch = new CounterBatch(KINDS.map((kind) => stanzasIn.withLabels(kind)));
    const publishIn = publishBatch(hostModule, inBatch);
    const slot = new Map(KINDS.map((kind, i) => [kind as string, i]));
    hostModule.unload = () => {
      stopOut();
      publishIn();
    };
    hostModule.hook(
      "pre-stanza",
      (event: { stanza: { name: string } }) => {
        const i = slot.get(event.stanza.name);
        if (i !== undefined) inBatch.pending[i]!++;
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
