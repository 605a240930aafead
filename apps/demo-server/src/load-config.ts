import { resolve } from "node:path";
import { type Config, config as configPackage, createConfig, loadConfig } from "canto";
import { defaultConfig } from "./default-config.js";
import { CliError, EXIT } from "./exit-codes.js";

/** A loaded config and where it came from, for the start-up log. */
export interface LoadedConfig {
  config: Config;
  /** The file read, or undefined when the embedded default is used. */
  file: string | undefined;
}

/** Global options given on the command line (`--option NAME=VALUE`), kept per config for reloads. */
const overridesOf = new WeakMap<Config, Record<string, unknown>>();

/**
 * `--option NAME=VALUE` arguments as options: VALUE is read as JSON when it parses (`[0]`,
 * `false`, `"x"`), else taken as a string.
 */
export function parseOptionArgs(args: readonly string[]): Record<string, unknown> {
  const options: Record<string, unknown> = {};
  for (const arg of args) {
    const at = arg.indexOf("=");
    if (at <= 0) throw new CliError(EXIT.usage, `--option: expected NAME=VALUE, got ${JSON.stringify(arg)}`);
    const text = arg.slice(at + 1);
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch {
      value = text;
    }
    options[arg.slice(0, at)] = value;
  }
  return options;
}

/** Sets the command line's options on the global section again (after a reload re-read the file). */
export function applyOverrides(config: Config): void {
  for (const [name, value] of Object.entries(overridesOf.get(config) ?? {}))
    config.set("*", name, value as Parameters<Config["set"]>[2]);
}

/**
 * The config the CLI runs with: `file` when given, else the first `canto.config.*` or
 * `prosody.cfg.lua` in the working folder, else the embedded default; `overrides` (from
 * `--option`) replace global options of whichever it is, and again after each reload.
 */
export async function loadServerConfig(
  file: string | undefined,
  available: Readonly<Record<string, unknown>>,
  overrides: Record<string, unknown> = {},
): Promise<LoadedConfig> {
  const path = file === undefined ? configPackage.findConfigFile() : resolve(file);
  const config = path === undefined ? createConfig(defaultConfig(available)) : await loadConfig(path);
  overridesOf.set(config, overrides);
  applyOverrides(config);
  return { config, file: path };
}

/** `file:line` of a config problem or error, as far as it is known. */
export function location(where: { file?: string | undefined; line?: number | undefined }): string {
  if (where.file === undefined) return "(embedded default config)";
  return where.line === undefined ? where.file : `${where.file}:${where.line}`;
}
