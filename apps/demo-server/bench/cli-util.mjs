// What the benchmark scripts share about their command lines and their figures.

/** `fail(message)` (exit 2 with the tool's name) and `number(name, min, max)` for `args`. */
export function optionChecks(tool, args) {
  const fail = (message) => {
    console.error(`${tool}: ${message}`);
    process.exit(2);
  };
  const number = (name, min, max, { integer = true } = {}) => {
    const raw = args[name];
    const value = Number(raw);
    if (
      raw === "" ||
      !Number.isFinite(value) ||
      (integer && !Number.isInteger(value)) ||
      value < min ||
      value > max
    ) {
      fail(
        `--${name} must be ${integer ? "an integer" : "a number"} from ${min} to ${max}, got ${JSON.stringify(raw)}`,
      );
    }
    return value;
  };
  return { fail, number };
}

/** The `p`th percentile of an ascending list, or null for an empty one. */
export function percentile(sorted, p) {
  if (sorted.length === 0) return null;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

export const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** Where the `## heading` section of `markdown` starts and ends (the next `## `), or undefined. */
export function sectionBounds(markdown, heading) {
  const start = markdown.search(new RegExp(`^## ${heading}$`, "m"));
  if (start < 0) return undefined;
  const next = markdown.slice(start + 1).search(/^## /m);
  return { start, end: next < 0 ? markdown.length : start + 1 + next };
}
