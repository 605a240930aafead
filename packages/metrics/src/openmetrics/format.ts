/** Escapes a label value for both text formats: backslash, double quote and newline, once. */
export function escapeLabelValue(value: string): string {
  return value.replace(/[\\"\n]/g, (c) => (c === "\n" ? "\\n" : `\\${c}`));
}

/** A sample value: shortest round-trip decimal, or `+Inf`, `-Inf`, `NaN`. */
export function formatNumber(value: number): string {
  if (Number.isNaN(value)) return "NaN";
  if (value === Number.POSITIVE_INFINITY) return "+Inf";
  if (value === Number.NEGATIVE_INFINITY) return "-Inf";
  return String(value);
}

/** `{a="x",b="y"}`, or the empty string when there are no labels. */
export function formatLabels(
  labels: readonly (readonly [string, string])[],
  extra?: readonly [string, string],
): string {
  if (labels.length === 0 && extra === undefined) return "";
  let out = "{";
  let first = true;
  for (const [name, value] of labels) {
    out += `${first ? "" : ","}${name}="${escapeLabelValue(value)}"`;
    first = false;
  }
  if (extra) out += `${first ? "" : ","}${extra[0]}="${escapeLabelValue(extra[1])}"`;
  return `${out}}`;
}
