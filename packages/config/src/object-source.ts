import { ConfigValueError } from "./errors.js";
import { type ConfigData, emptyData, GLOBAL, newSection, type OptionValue, type Section } from "./types.js";

/**
 * Finds, in the text of a JS/TS/JSON config, the line where a key is written, starting at
 * `from`. Best effort: it looks for `key:` or `"key":`.
 */
class KeyLocator {
  readonly #text: string;
  readonly #lineStarts: number[] = [0];

  constructor(text: string) {
    this.#text = text;
    for (let i = 0; i < text.length; i++) if (text[i] === "\n") this.#lineStarts.push(i + 1);
  }

  find(key: string, from: number): { index: number; line: number } | undefined {
    const escaped = key.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
    const pattern = new RegExp(`(?:^|[\\s{,(])(["'\`]?)${escaped}\\1\\s*:`, "gm");
    pattern.lastIndex = from;
    const match = pattern.exec(this.#text);
    if (!match) return undefined;
    return { index: match.index, line: this.lineAt(match.index + 1) };
  }

  lineAt(index: number): number {
    let low = 0;
    let high = this.#lineStarts.length - 1;
    while (low < high) {
      const mid = (low + high + 1) >> 1;
      if ((this.#lineStarts[mid] ?? 0) <= index) low = mid;
      else high = mid - 1;
    }
    return low + 1;
  }
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** Lower-cased and NFKC-normalised, as VirtualHost names in Lua files. */
function hostKey(name: string): string {
  return name.normalize("NFKC").toLowerCase();
}

/**
 * Turns a `defineConfig` object into sections. `file` and `text` (the file's source) give values
 * a location; without them values have none.
 */
export function dataFromObject(config: unknown, file?: string, text?: string): ConfigData {
  if (!isPlainObject(config)) {
    throw new ConfigValueError(
      `expected the config to be an object (the default export of defineConfig({...})), got ${
        config === null ? "null" : Array.isArray(config) ? "an array" : typeof config
      }`,
      { file },
    );
  }
  const data = emptyData();
  if (file !== undefined) data.files.push(file);
  const locator = text === undefined ? undefined : new KeyLocator(text);
  const where = (line: number | undefined) =>
    file === undefined ? undefined : line === undefined ? { file, line: 1 } : { file, line };

  const fill = (section: Section, options: Record<string, unknown>, from: number) => {
    for (const [name, value] of Object.entries(options)) {
      if (value === undefined) continue;
      const found = locator?.find(name, from);
      section.options.set(name, { value: value as OptionValue, location: where(found?.line) });
    }
  };

  const { hosts, components, ...global } = config;
  fill(data.global, global, 0);

  const addHosts = (group: "hosts" | "components", value: unknown) => {
    if (value === undefined) return;
    const groupAt = locator?.find(group, 0);
    if (!isPlainObject(value)) {
      throw new ConfigValueError(`'${group}' must be an object of host name → options`, {
        file,
        line: groupAt?.line,
      });
    }
    for (const [rawName, options] of Object.entries(value)) {
      const hostAt = locator?.find(rawName, groupAt?.index ?? 0);
      const location = where(hostAt?.line);
      if (!isPlainObject(options)) {
        throw new ConfigValueError(
          `options of ${group === "hosts" ? "host" : "component"} '${rawName}' must be an object`,
          {
            file,
            line: hostAt?.line,
            host: rawName,
          },
        );
      }
      const name = hostKey(rawName);
      const type = group === "hosts" ? "local" : "component";
      let section = data.hosts.get(name);
      if (section && section.type !== type) {
        data.problems.push({
          severity: "error",
          code: "CANTO_CONFIG_DUPLICATE_HOST",
          message: `'${name}' is both a host and a component`,
          host: name,
          file,
          line: location?.line,
        });
      }
      if (!section) {
        section = newSection(name, type);
        data.hosts.set(name, section);
      }
      section.definedAt.push(location ?? { file: "set in code", line: 0 });
      const { module, ...rest } = options;
      if (group === "components" && module !== undefined) {
        const moduleAt = locator?.find("module", hostAt?.index ?? 0);
        section.options.set("component_module", {
          value: module as OptionValue,
          location: where(moduleAt?.line),
        });
      } else if (group === "components") {
        // As in Prosody, a Component without a module is an external component (XEP-0114).
        section.options.set("component_module", {
          value: "component",
          location: location ?? { file: "set in code", line: 0 },
        });
      } else if (module !== undefined) {
        rest.module = module;
      }
      fill(section, rest, hostAt?.index ?? 0);
    }
  };
  addHosts("hosts", hosts);
  addHosts("components", components);
  return data;
}

export { GLOBAL };
