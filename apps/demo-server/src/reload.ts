import { missingModulesLine } from "@canto/modules";
import { type CantoServer, config as configPackage } from "canto";
import type { Logger } from "pino";
import { applyOverrides, location } from "./load-config.js";
import { applyCertificateFolder } from "./prosody-compat.js";

type HostType = Parameters<CantoServer["activateHost"]>[1];

/** What one SIGHUP changed, for the summary log line and the tests. */
export interface ReloadSummary {
  /** False when the file could not be read: the old config stays. */
  ok: boolean;
  changedHosts: string[];
  activated: string[];
  deactivated: string[];
  loaded: string[];
  unloaded: string[];
  failed: string[];
  logLevel?: string;
}

function optionString(value: unknown): string | undefined {
  return typeof value === "string" && value !== "" ? value : undefined;
}

/**
 * SIGHUP: re-reads the config file and applies what can change without a restart, as Prosody
 * does: hosts declared or removed are activated or deactivated, modules added to or removed from a
 * host's `modules_enabled` are loaded or unloaded, the root log level follows `log_level`, and
 * `config-reloaded` is fired on the global bus so modules can re-read options they cached. Options
 * modules read at each use take effect by themselves. A file that cannot be read keeps the old
 * config, and the error is logged.
 */
export async function reloadConfig(server: CantoServer, logger: Logger): Promise<ReloadSummary> {
  const config = server.config;
  const summary: ReloadSummary = {
    ok: false,
    changedHosts: [],
    activated: [],
    deactivated: [],
    loaded: [],
    unloaded: [],
    failed: [],
  };
  // Only modules the old lists named are unloaded, never ones loaded as another's dependency.
  const before = new Map<string, Set<string>>();
  for (const host of server.hosts()) before.set(host.name, new Set(server.manager.modulesForHost(host.name)));
  let changes: Awaited<ReturnType<typeof config.reload>>;
  try {
    changes = await config.reload();
  } catch (error) {
    const where = error instanceof configPackage.ConfigError ? `${location(error)}: ` : "";
    logger.error(
      { err: error, code: "config-reload-failed" },
      `SIGHUP: config not reloaded, the old one stays: ${where}${error instanceof Error ? error.message : String(error)}`,
    );
    return summary;
  }
  applyOverrides(config);
  applyCertificateFolder(config);
  summary.ok = true;
  summary.changedHosts = [...changes.hosts.keys()];
  // A reloaded config is already in use: its problems cannot refuse it, but they are reported.
  for (const problem of configPackage.check(config)) {
    logger[problem.severity === "error" ? "error" : "warn"](
      { code: problem.code },
      `config: ${location(problem)}: ${problem.message}`,
    );
  }

  // Prosody modules Canto lacks that the new lists name: one line, as at start.
  const skipped: string[] = [];
  const wanted = new Set(config.hosts().map((info) => info.name));
  for (const host of [...server.hosts()].map((h) => h.name)) {
    if (wanted.has(host)) continue;
    await server.deactivateHost(host, "host removed from the config");
    summary.deactivated.push(host);
  }
  const active = new Set([...server.hosts()].map((h) => h.name));
  for (const info of config.hosts()) {
    if (active.has(info.name)) {
      // A host that stays: bring its modules in line with the new lists.
      const should = new Set(server.manager.modulesForHost(info.name));
      const had = before.get(info.name) ?? new Set<string>();
      for (const name of server.manager.list(info.name)) {
        if (should.has(name) || !had.has(name)) continue;
        try {
          await server.manager.unload(info.name, name);
          summary.unloaded.push(`${name} on ${info.name}`);
        } catch (error) {
          summary.failed.push(`unload ${name} on ${info.name}`);
          logger.error({ err: error, host: info.name, module: name }, `SIGHUP: cannot unload ${name}`);
        }
      }
      const { loaded, failed, skipped: absent } = await server.manager.loadModulesForHost(info.name);
      for (const name of loaded) summary.loaded.push(`${name} on ${info.name}`);
      for (const { name } of failed) summary.failed.push(`load ${name} on ${info.name}`);
      skipped.push(...absent);
      continue;
    }
    const component =
      info.type === "component" ? optionString(config.get(info.name, "component_module")) : undefined;
    const failuresBefore = server.loadFailures.length;
    const skippedBefore = server.skippedModules.length;
    await server.activateHost(info.name, info.type as HostType, component);
    skipped.push(...server.skippedModules.slice(skippedBefore).map((s) => s.module));
    summary.activated.push(info.name);
    for (const { host, module } of server.loadFailures.slice(failuresBefore))
      summary.failed.push(`load ${module} on ${host}`);
  }

  const missing = missingModulesLine(skipped);
  if (missing !== undefined) logger.warn({ code: "prosody-modules-missing" }, `SIGHUP: ${missing}`);

  // The new level applies after the summary line, so that raising it never hides that line.
  const level = optionString(config.get("*", "log_level"));
  if (level !== undefined && level !== logger.level) {
    if (level in logger.levels.values) summary.logLevel = level;
    else logger.error({ code: "unknown-log-level" }, `SIGHUP: unknown log_level ${JSON.stringify(level)}`);
  }

  server.global.events.fire("config-reloaded", { filename: config.file, changes });
  const parts = [
    `${summary.changedHosts.length} section(s) changed`,
    summary.activated.length > 0 ? `hosts activated: ${summary.activated.join(", ")}` : "",
    summary.deactivated.length > 0 ? `hosts deactivated: ${summary.deactivated.join(", ")}` : "",
    summary.loaded.length > 0 ? `loaded: ${summary.loaded.join(", ")}` : "",
    summary.unloaded.length > 0 ? `unloaded: ${summary.unloaded.join(", ")}` : "",
    summary.failed.length > 0 ? `failed: ${summary.failed.join(", ")}` : "",
    summary.logLevel !== undefined ? `log level: ${summary.logLevel}` : "",
  ].filter((part) => part !== "");
  logger[summary.failed.length > 0 ? "warn" : "info"](
    { reload: summary },
    `SIGHUP: config reloaded; ${parts.join("; ")}`,
  );
  if (summary.logLevel !== undefined) logger.level = summary.logLevel;
  return summary;
}
