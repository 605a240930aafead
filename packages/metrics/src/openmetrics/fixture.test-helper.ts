import type { CollectedMetrics } from "./data.js";
import { DataPointKind } from "./data.js";

const t0: [number, number] = [1700000000, 500000000];
const t1: [number, number] = [1700000100, 0];

function point<T>(attributes: Record<string, unknown>, value: T) {
  return { startTime: t0, endTime: t1, attributes: attributes as never, value };
}

/** Hand-built collected data covering every shape the renderers handle. */
export const fixture: CollectedMetrics = {
  scopeMetrics: [
    {
      metrics: [
        {
          descriptor: {
            name: "canto_mod_c2s/stanzas",
            description: 'Stanzas "in" and\nout \\ total',
            unit: "",
          },
          dataPointType: DataPointKind.SUM,
          isMonotonic: true,
          dataPoints: [
            point({ host: "a.example", kind: "message" }, 12),
            point({ host: 'we"ird\\host\nname', kind: "iq" }, 3),
          ],
        },
        {
          descriptor: { name: "canto_mod_c2s/connections", description: "Open connections", unit: "" },
          dataPointType: DataPointKind.GAUGE,
          dataPoints: [point({ host: "a.example" }, 7)],
        },
        {
          descriptor: { name: "canto_mod_ping/time_seconds", description: "Ping time", unit: "seconds" },
          dataPointType: DataPointKind.HISTOGRAM,
          dataPoints: [
            point(
              { host: "a.example" },
              {
                buckets: { boundaries: [0.001, 0.1, 1, 100], counts: [1, 2, 0, 3, 1] },
                sum: 250.5,
                count: 7,
              },
            ),
          ],
        },
        {
          descriptor: { name: "canto_mod_muc/occupants", description: "Occupants per room", unit: "" },
          dataPointType: DataPointKind.HISTOGRAM,
          dataPoints: [point({}, { buckets: { boundaries: [], counts: [4] }, sum: 10, count: 4 })],
        },
      ],
    },
    {
      metrics: [
        {
          descriptor: { name: "http.server.active_requests", description: "", unit: "{request}" },
          dataPointType: DataPointKind.SUM,
          isMonotonic: false,
          dataPoints: [point({ "http.method": "GET", "9lives": true, list: ["a", "b"] }, -2)],
        },
        {
          descriptor: { name: "process.cpu.time", description: "CPU seconds", unit: "s" },
          dataPointType: DataPointKind.SUM,
          isMonotonic: true,
          dataPoints: [point({}, 1.25)],
        },
        {
          descriptor: { name: "queue_total", description: "Jobs", unit: "" },
          dataPointType: DataPointKind.SUM,
          isMonotonic: true,
          dataPoints: [point({}, 1e21)],
        },
        {
          descriptor: { name: "temperature", description: "Odd values", unit: "Cel" },
          dataPointType: DataPointKind.GAUGE,
          dataPoints: [
            point({ probe: "nan" }, Number.NaN),
            point({ probe: "hot" }, Number.POSITIVE_INFINITY),
            point({ probe: "cold" }, Number.NEGATIVE_INFINITY),
            point({ probe: "tiny" }, 1e-7),
            point({ probe: "tenth" }, 0.1),
          ],
        },
        {
          descriptor: { name: "payload", description: "Exponential", unit: "By" },
          dataPointType: DataPointKind.EXPONENTIAL_HISTOGRAM,
          dataPoints: [point({}, { count: 2, sum: 3000, scale: 1, zeroCount: 0 })],
        },
        {
          descriptor: { name: "empty", description: "No points", unit: "" },
          dataPointType: DataPointKind.GAUGE,
          dataPoints: [],
        },
        {
          descriptor: {
            name: "canto_mod_c2s/connections",
            description: "same family from another meter",
            unit: "",
          },
          dataPointType: DataPointKind.GAUGE,
          dataPoints: [point({ host: "b.example" }, 1)],
        },
      ],
    },
  ],
};
