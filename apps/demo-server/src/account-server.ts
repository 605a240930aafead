import { AUTOLOAD, PROSODY_RENAMED, standardModules } from "@canto/modules";
import { type CantoServer, type Config, createServer, type ModuleSetup } from "canto";
import pino from "pino";
import { CliError, EXIT } from "./exit-codes.js";
import { prosodyModuleOptions } from "./prosody-compat.js";

/**
 * Standard modules that open sockets or touch certificates: the account commands never load
 * them, so `canto adduser` works next to a running server and never binds a port.
 */
export const NETWORK_MODULES: ReadonlySet<string> = new Set([
  "c2s",
  "tls",
  "http",
  "s2s",
  "websocket",
  "bosh",
  "component",
]);

/** Whether a module serves the network: listed above, or an HTTP module (`http_*`). */
export function isNetworkModule(name: string): boolean {
  return NETWORK_MODULES.has(name) || name.startsWith("http_");
}

/** The standard modules that keep or clean up account data, without the network ones. */
export function offlineModules(): Record<string, ModuleSetup> {
  return Object.fromEntries(Object.entries(standardModules).filter(([name]) => !isNetworkModule(name)));
}

function keepOffline(value: unknown, modules: Readonly<Record<string, ModuleSetup>>): string[] | undefined {
  if (!Array.isArray(value)) return undefined;
  return value
    .map((name) => (typeof name === "string" ? (PROSODY_RENAMED[name] ?? name) : name))
    .filter((name): name is string => typeof name === "string" && name in modules);
}

/**
 * A started server for the account commands: the config's hosts with only the offline standard
 * modules (so `user-deleted` still reaches roster, offline, vcard, ... and they drop the user's
 * data), no listeners, and logs at `warn` on stderr. Plugins from `plugin_paths` or npm are not
 * loaded: only code that ships with Canto runs.
 */
export async function startAccountServer(config: Config): Promise<CantoServer> {
  const modules = offlineModules();
  const sections = ["*", ...config.hosts().map((host) => host.name)];
  for (const section of sections) {
    // Only a section's own list: a host without one inherits the global, already filtered.
    if (config.lookupSection(section, "modules_enabled") !== section) continue;
    const kept = keepOffline(config.get(section, "modules_enabled"), modules);
    if (kept !== undefined) config.set(section, "modules_enabled", kept);
  }
  // Prosody's names and implied modules (the auth provider) apply, but only offline modules load:
  // not a Component's module either.
  const prosody = prosodyModuleOptions(config);
  const server = await createServer({
    config,
    modules,
    autoload: AUTOLOAD.filter((name) => name in modules),
    logger: pino({ level: "warn" }, pino.destination(2)),
    hostModules: (host, type, names) =>
      prosody.hostModules(host, type, names).filter((name) => name in modules),
    optionalModules: prosody.optionalModules,
  });
  await server.start();
  if (server.manager.get("*", "c2s") !== undefined) {
    await server.stop();
    throw new CliError(EXIT.failure, "internal error: the account server loaded c2s");
  }
  return server;
}
