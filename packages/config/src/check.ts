import type { Config } from "./config.js";
import { parsePeriod } from "./duration.js";
import { ConfigError } from "./errors.js";
import { type LoadConfigOptions, loadConfig } from "./load.js";
import {
  type ConfigProblem,
  formatLocation,
  GLOBAL,
  type OptionEntry,
  type OptionValue,
  type ProblemSeverity,
  type Section,
} from "./types.js";

type Kind = "string" | "boolean" | "number" | "strings" | "numbers" | "period" | "string-or-table";

/** Types of well-known Prosody options, for `check`. */
const KNOWN_TYPES: Record<string, Kind> = {
  admins: "strings",
  modules_enabled: "strings",
  modules_disabled: "strings",
  plugin_paths: "strings",
  authentication: "string",
  storage: "string-or-table",
  log: "string-or-table",
  data_path: "string",
  pidfile: "string",
  certificates: "string",
  component_module: "string",
  component_secret: "string",
  allow_registration: "boolean",
  allow_unencrypted_plain_auth: "boolean",
  c2s_require_encryption: "boolean",
  s2s_require_encryption: "boolean",
  s2s_secure_auth: "boolean",
  daemonize: "boolean",
  enabled: "boolean",
  hide_os_type: "boolean",
  c2s_ports: "numbers",
  s2s_ports: "numbers",
  component_ports: "numbers",
  http_ports: "numbers",
  https_ports: "numbers",
  legacy_ssl_ports: "numbers",
  c2s_timeout: "number",
  s2s_timeout: "number",
  archive_expires_after: "period",
};

/** Options that only mean something in the global section. */
const GLOBAL_ONLY = new Set([
  "pidfile",
  "log",
  "plugin_paths",
  "data_path",
  "daemonize",
  "c2s_ports",
  "s2s_ports",
  "component_ports",
  "http_ports",
  "https_ports",
  "legacy_ssl_ports",
  "interfaces",
  "local_interfaces",
  "c2s_interfaces",
  "s2s_interfaces",
  "component_interfaces",
  "network_backend",
  "use_libevent",
  "prosody_user",
  "prosody_group",
  "umask",
  "statistics",
  "statistics_interval",
  "gc",
  "installer_plugin_path",
]);

/** Options that only mean something in a host's section. */
const HOST_ONLY = new Set(["component_module"]);

function describeValue(value: OptionValue): string {
  if (Array.isArray(value)) return "a list";
  if (typeof value === "object") return "a table";
  return `${typeof value} ${JSON.stringify(value)}`;
}

function kindOf(name: string): Kind | undefined {
  return KNOWN_TYPES[name] ?? (/_period$|_expires_after$/.test(name) ? "period" : undefined);
}

function typeProblem(
  kind: Kind,
  value: OptionValue,
): { severity: ProblemSeverity; text: string } | undefined {
  const list = (item: "string" | "number") => {
    if (Array.isArray(value)) {
      const bad = value.find((v) => typeof v !== item);
      return bad === undefined
        ? undefined
        : {
            severity: "error" as const,
            text: `should be a list of ${item}s, but holds ${describeValue(bad)}`,
          };
    }
    if (typeof value === item) {
      return { severity: "warning" as const, text: `should be a list, e.g. { ${JSON.stringify(value)} }` };
    }
    return { severity: "error" as const, text: `should be a list of ${item}s, got ${describeValue(value)}` };
  };
  switch (kind) {
    case "strings":
      return list("string");
    case "numbers":
      return list("number");
    case "string":
    case "boolean":
    case "number":
      return typeof value === kind
        ? undefined
        : { severity: "error", text: `should be a ${kind}, got ${describeValue(value)}` };
    case "string-or-table":
      return typeof value === "string" || typeof value === "object"
        ? undefined
        : { severity: "error", text: `should be a string or a table, got ${describeValue(value)}` };
    case "period": {
      if (value === false || typeof value === "number") return undefined;
      if (typeof value !== "string") {
        return {
          severity: "error",
          text: `should be a period such as "2 days", got ${describeValue(value)}`,
        };
      }
      const parsed = parsePeriod(value);
      return parsed.ok ? undefined : { severity: "error", text: parsed.message };
    }
  }
}

function sectionProblems(section: Section, problems: ConfigProblem[]): void {
  const host = section.name;
  const hostText = host === GLOBAL ? "in the global section" : `for host '${host}'`;
  const add = (severity: ProblemSeverity, code: string, option: string, entry: OptionEntry, text: string) =>
    problems.push({
      severity,
      code,
      message: `Option '${option}' ${hostText} (${formatLocation(entry.location)}) ${text}`,
      host,
      option,
      file: entry.location?.file,
      line: entry.location?.line,
    });
  for (const [name, entry] of section.options) {
    const kind = kindOf(name);
    const wrong = kind && typeProblem(kind, entry.value);
    if (wrong) add(wrong.severity, "CANTO_CONFIG_WRONG_TYPE", name, entry, wrong.text);
    if (host !== GLOBAL && GLOBAL_ONLY.has(name)) {
      add("warning", "CANTO_CONFIG_WRONG_SECTION", name, entry, "only has an effect in the global section");
    }
    if (host === GLOBAL && HOST_ONLY.has(name)) {
      add("warning", "CANTO_CONFIG_WRONG_SECTION", name, entry, "only has an effect in a Component section");
    }
  }
  if (host === GLOBAL) return;
  const first = section.definedAt[0];
  if (section.definedAt.length > 1) {
    problems.push({
      severity: "warning",
      code: "CANTO_CONFIG_DUPLICATE_HOST",
      message: `Host '${host}' is declared ${section.definedAt.length} times (${section.definedAt
        .map(formatLocation)
        .join(", ")})`,
      host,
      file: section.definedAt[1]?.file,
      line: section.definedAt[1]?.line,
    });
  }
  if (section.type === "component") {
    const module = section.options.get("component_module");
    if (module === undefined) {
      problems.push({
        severity: "error",
        code: "CANTO_CONFIG_COMPONENT_WITHOUT_MODULE",
        message: `Component '${host}' (${formatLocation(first)}) has no module`,
        host,
        file: first?.file,
        line: first?.line,
      });
    } else if (module.value === "component" && !section.options.has("component_secret")) {
      problems.push({
        severity: "warning",
        code: "CANTO_CONFIG_COMPONENT_WITHOUT_SECRET",
        message: `Component '${host}' (${formatLocation(first)}) names no module, so it is an external component, but it has no component_secret`,
        host,
        file: first?.file,
        line: first?.line,
      });
    }
  }
}

/**
 * Problems of a loaded configuration: wrong types of well-known options, ambiguous periods,
 * components without a module, duplicate hosts, options set in the wrong section, plus what was
 * recorded while loading (duplicate options, Includes that match nothing, and, for configs loaded
 * with `tolerant: true`, missing Include targets and unreadable files).
 */
export function check(config: Config, options: CheckOptions = {}): ConfigProblem[] {
  const problems: ConfigProblem[] = [...config.problems];
  sectionProblems(config.data.global, problems);
  for (const section of config.data.hosts.values()) sectionProblems(section, problems);
  for (const more of options.checks ?? []) problems.push(...more(config));
  return problems;
}

export interface CheckOptions {
  /** Further checks, run after the built-in ones: an application's own options, say. */
  checks?: readonly ((config: Config) => ConfigProblem[])[];
}

/**
 * Loads a file tolerantly and checks it. A file that cannot be loaded at all (syntax error,
 * refused code) gives a single problem instead of an exception.
 */
export async function checkFile(
  file: string,
  options: LoadConfigOptions & CheckOptions = {},
): Promise<ConfigProblem[]> {
  try {
    return check(await loadConfig(file, { ...options, tolerant: true }), options);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    return [
      {
        severity: "error",
        code: error.code,
        message: error.message,
        file: error.file,
        line: error.line,
        host: error.host,
        option: error.option,
      },
    ];
  }
}
