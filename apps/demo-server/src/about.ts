// `canto about`: what this installation is, as `prosodyctl about` tells about Prosody's.
import { readFileSync } from "node:fs";
import { standardModules } from "@canto/modules";
import { loadServerConfig } from "./load-config.js";

function version(): string {
  const pkg = JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8")) as {
    version?: string;
  };
  return pkg.version ?? "(unknown version)";
}

/** The lines `canto about` prints. */
export async function aboutLines(
  configFile: string | undefined,
  overrides: Record<string, unknown>,
): Promise<string[]> {
  const { config, file } = await loadServerConfig(configFile, standardModules, overrides);
  const plugins = config.get("*", "plugin_paths");
  return [
    `Canto ${version()}`,
    "",
    "# Directories",
    `Config file:        ${file ?? "(embedded default)"}`,
    `Data directory:     ${config.paths.data}`,
    `Plugin directories: ${Array.isArray(plugins) && plugins.length > 0 ? plugins.join(", ") : "(none)"}`,
    "",
    "# Runtime",
    `Node.js:            ${process.version} (${process.platform} ${process.arch})`,
    `Hosts:              ${
      config
        .hosts()
        .map((h) => `${h.name} (${h.type})`)
        .join(", ") || "(none)"
    }`,
    "",
    "# Standard modules",
    Object.keys(standardModules).sort().join(" "),
  ];
}
