import { type CollectedMetrics, type ExposedFamily, exposedFamilies } from "./data.js";
import { formatLabels, formatNumber } from "./format.js";

/** Content type of `renderPrometheusText()` output. */
export const PROMETHEUS_CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";

/** HELP text in the Prometheus format escapes backslash and newline only. */
function escapeHelp(text: string): string {
  return text.replace(/[\\\n]/g, (c) => (c === "\n" ? "\\n" : "\\\\"));
}

function family(lines: string[], f: ExposedFamily): void {
  // The Prometheus format names a counter family after its sample, `_total` included.
  const name = f.type === "counter" ? `${f.name}_total` : f.name;
  if (f.help !== "") lines.push(`# HELP ${name} ${escapeHelp(f.help)}`);
  lines.push(`# TYPE ${name} ${f.type}`);
  for (const p of f.points) {
    const labels = formatLabels(p.labels);
    switch (f.type) {
      case "gauge":
      case "counter":
        lines.push(`${name}${labels} ${formatNumber(p.value)}`);
        break;
      case "histogram":
        for (const [le, count] of p.buckets) {
          lines.push(
            `${name}_bucket${formatLabels(p.labels, ["le", formatNumber(le)])} ${formatNumber(count)}`,
          );
        }
        lines.push(`${name}_bucket${formatLabels(p.labels, ["le", "+Inf"])} ${formatNumber(p.count)}`);
        lines.push(`${name}_sum${labels} ${formatNumber(p.sum ?? 0)}`);
        lines.push(`${name}_count${labels} ${formatNumber(p.count)}`);
        break;
      case "summary":
        lines.push(`${name}_sum${labels} ${formatNumber(p.sum ?? 0)}`);
        lines.push(`${name}_count${labels} ${formatNumber(p.count)}`);
        break;
    }
  }
}

/**
 * Renders collected data in the Prometheus text format 0.0.4, for clients that do not ask for
 * OpenMetrics: the same families, without `# UNIT`, `_created` and `# EOF`.
 */
export function renderPrometheusText(collected: CollectedMetrics): string {
  const lines: string[] = [];
  for (const f of exposedFamilies(collected)) family(lines, f);
  return lines.length === 0 ? "" : `${lines.join("\n")}\n`;
}
