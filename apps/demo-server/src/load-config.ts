import { resolve } from "node:path";
import { type Config, config as configPackage, createConfig, loadConfig } from "canto";
import { defaultConfig } from "./default-config.js";

/** A loaded config and where it came from, for the start-up log. */
export interface LoadedConfig {
  config: Config;
  /** The file read, or undefined when the embedded default is used. */
  file: string | undefined;
}

/**
 * The config the CLI runs with: `file` when given, else the first `canto.config.*` or
 * `prosody.cfg.lua` in the working folder, else the embedded default.
 */
export async function loadServerConfig(
  file: string | undefined,
  available: Readonly<Record<string, unknown>>,
): Promise<LoadedConfig> {
  const path = file === undefined ? configPackage.findConfigFile() : resolve(file);
  if (path === undefined) return { config: createConfig(defaultConfig(available)), file: undefined };
  return { config: await loadConfig(path), file: path };
}

/** `file:line` of a config problem or error, as far as it is known. */
export function location(where: { file?: string | undefined; line?: number | undefined }): string {
  if (where.file === undefined) return "(embedded default config)";
  return where.line === undefined ? where.file : `${where.file}:${where.line}`;
}
