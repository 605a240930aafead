import { type CollectedMetrics, type ExposedFamily, exposedFamilies } from "./data.js";
import { formatLabels, formatNumber } from "./format.js";

/** Content type of `renderOpenMetrics()` output. */
export const OPENMETRICS_CONTENT_TYPE = "application/openmetrics-text; version=1.0.0; charset=utf-8";

/** HELP text in OpenMetrics escapes backslash, double quote and newline. */
function escapeHelp(text: string): string {
  return text.replace(/[\\"\n]/g, (c) => (c === "\n" ? "\\n" : `\\${c}`));
}

/** OpenMetrics writes `le` thresholds as floats: `1.0`, `0.001`, `+Inf`. */
function formatThreshold(value: number): string {
  const text = formatNumber(value);
  return Number.isInteger(value) && !/[.eE]/.test(text) ? `${text}.0` : text;
}

function family(lines: string[], f: ExposedFamily): void {
  if (f.help !== "") lines.push(`# HELP ${f.name} ${escapeHelp(f.help)}`);
  if (f.unit !== "") lines.push(`# UNIT ${f.name} ${f.unit}`);
  lines.push(`# TYPE ${f.name} ${f.type}`);
  for (const p of f.points) {
    const labels = formatLabels(p.labels);
    const created = formatNumber(p.created);
    switch (f.type) {
      case "gauge":
        lines.push(`${f.name}${labels} ${formatNumber(p.value)}`);
        break;
      case "counter":
        lines.push(`${f.name}_total${labels} ${formatNumber(p.value)}`);
        lines.push(`${f.name}_created${labels} ${created}`);
        break;
      case "histogram":
        for (const [le, count] of p.buckets) {
          lines.push(
            `${f.name}_bucket${formatLabels(p.labels, ["le", formatThreshold(le)])} ${formatNumber(count)}`,
          );
        }
        lines.push(`${f.name}_bucket${formatLabels(p.labels, ["le", "+Inf"])} ${formatNumber(p.count)}`);
        lines.push(`${f.name}_count${labels} ${formatNumber(p.count)}`);
        if (p.sum !== undefined) lines.push(`${f.name}_sum${labels} ${formatNumber(p.sum)}`);
        lines.push(`${f.name}_created${labels} ${created}`);
        break;
      case "summary":
        lines.push(`${f.name}_count${labels} ${formatNumber(p.count)}`);
        if (p.sum !== undefined) lines.push(`${f.name}_sum${labels} ${formatNumber(p.sum)}`);
        lines.push(`${f.name}_created${labels} ${created}`);
        break;
    }
  }
}

/**
 * Renders what an OpenTelemetry MetricReader collected (`(await reader.collect()).resourceMetrics`)
 * as OpenMetrics 1.0 text: `# HELP`, `# UNIT`, `# TYPE`, counters as `_total` and `_created`,
 * histograms as cumulative `_bucket{le=...}`, `_count`, `_sum`, names with `/` written `__`, and
 * `# EOF` last. Families are sorted by name. The reader must use cumulative temporality (the SDK's default).
 */
export function renderOpenMetrics(collected: CollectedMetrics): string {
  const lines: string[] = [];
  for (const f of exposedFamilies(collected)) family(lines, f);
  lines.push("# EOF");
  return `${lines.join("\n")}\n`;
}
