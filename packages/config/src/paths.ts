import { isAbsolute, sep } from "node:path";

/**
 * Prosody's `resolve_relative_path`: an absolute `path` is returned unchanged; otherwise trailing
 * separators are stripped from `parent`, a leading `./` from `path`, and the two are joined.
 */
export function resolveRelativePath(parent: string, path: string): string {
  if (isAbsolute(path)) return path;
  let base = parent;
  while (base.length > 1 && (base.endsWith("/") || base.endsWith(sep))) base = base.slice(0, -1);
  let rest = path;
  while (rest.startsWith("./")) rest = rest.slice(2);
  if (base === "") return rest;
  return base.endsWith("/") ? base + rest : `${base}${sep}${rest}`;
}

/** Prosody's `paths.join`: the components joined with the platform separator. */
export function joinPath(...components: string[]): string {
  return components.join(sep);
}

/** Prosody's `glob_to_pattern`, as a RegExp: `*` is any run of characters, `?` one character. */
export function globToRegExp(glob: string): RegExp {
  let source = "^";
  for (const char of glob) {
    if (char === "*") source += ".*";
    else if (char === "?") source += ".";
    else source += char.replace(/[.*+?^${}()|[\]\\/-]/g, "\\$&");
  }
  return new RegExp(`${source}$`);
}
