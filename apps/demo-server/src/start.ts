import { relative } from "node:path";
import { fileURLToPath } from "node:url";
import { AUTOLOAD, type C2sApi, missingModulesLine, standardModules } from "@canto/modules";
import { type CantoServer, config as configPackage, createServer } from "canto";
import { setYoungGenerationCap } from "canto/young-generation";
import { CliError, EXIT } from "./exit-codes.js";
import { gcProblems, youngGenerationOption } from "./gc-option.js";
import { takeHeldHangUps } from "./hang-up.js";
import { loadServerConfig, location } from "./load-config.js";
import { createLogger, reopenLogFiles } from "./log-output.js";
import { readLogOption } from "./log-sinks.js";
import { pidfilePath, writePidfile } from "./pidfile.js";
import { applyCertificateFolder, ignoredOptionNotes, prosodyModuleOptions } from "./prosody-compat.js";
import { reloadConfig } from "./reload.js";

export interface StartOptions {
  config?: string | undefined;
  logFormat?: "json" | "pretty" | undefined;
  /** Global options that replace the file's (`--option NAME=VALUE`). */
  overrides?: Record<string, unknown> | undefined;
}

/** The shell command that adds an account to this server, as typed from the working folder. */
function addUserHint(host: string, configFile: string | undefined): string {
  const absolute = fileURLToPath(new URL("../bin/canto.js", import.meta.url));
  const near = relative(process.cwd(), absolute);
  const bin = near.startsWith("..") ? absolute : near;
  const config =
    configFile === undefined ? "" : ` --config ${relative(process.cwd(), configFile) || configFile}`;
  return `node ${bin} adduser user@${host}${config}`;
}

/** Where a global module (`http`, `component`) listens, when it is loaded: its exports' `listeners()`, as c2s's. */
function listenersOf(server: CantoServer, module: string): { address: string; port: number }[] {
  const exports = server.manager.get("*", module)?.exports as
    | { listeners?: () => { address: string; port: number }[] }
    | undefined;
  return typeof exports?.listeners === "function" ? exports.listeners() : [];
}

/**
 * `canto start`: loads the config, starts every host with the standard modules and listens.
 * Resolves once the server is up with the server, which runs until SIGTERM or SIGINT stops it;
 * SIGHUP re-reads the config file (see reload.ts).
 */
export async function start(options: StartOptions): Promise<CantoServer> {
  const { config, file } = await loadServerConfig(options.config, standardModules, options.overrides);
  applyCertificateFolder(config);
  const problems = configPackage.check(config, { checks: [gcProblems] });
  const errors = problems.filter((problem) => problem.severity === "error");
  const level = config.get("*", "log_level");
  const logRules = readLogOption(config.get("*", "log"), config.paths.config);
  const logger = createLogger(typeof level === "string" ? level : "info", options.logFormat, logRules);
  for (const note of [...(logRules?.notes ?? []), ...ignoredOptionNotes(config)]) logger.info(note);
  for (const problem of problems) {
    logger[problem.severity === "error" ? "error" : "warn"](
      { code: problem.code },
      `config: ${location(problem)}: ${problem.message}`,
    );
  }
  if (errors.length > 0) {
    throw new CliError(EXIT.failure, `the config has ${errors.length} error(s); see \`canto check config\``);
  }
  // gcProblems has refused a bad value above.
  const youngGeneration = youngGenerationOption(config.get("*", "gc"));
  if (typeof youngGeneration !== "object") setYoungGenerationCap(youngGeneration);

  // SIGHUP reloads from here on (cli.ts kept the earlier ones), one reload at a time, the first
  // once the server is up; a later one reads the then current file.
  let stopping = false;
  let serverUp: (server: CantoServer) => void = () => {};
  const up = new Promise<CantoServer>((resolve) => {
    serverUp = resolve;
  });
  let reloading: Promise<unknown> = up;
  const hangUp = () => {
    if (stopping) return;
    reopenLogFiles();
    if (file === undefined) {
      logger.warn("SIGHUP: the embedded default config has no file to re-read; nothing changed");
      return;
    }
    logger.info(`SIGHUP: re-reading ${file}`);
    reloading = reloading
      .then(() => up)
      .then((server) => reloadConfig(server, logger))
      .catch((error: unknown) => logger.error({ err: error }, "SIGHUP: reload failed"));
  };
  process.on("SIGHUP", hangUp);
  if (takeHeldHangUps() > 0) hangUp();

  const pidfile = pidfilePath(config);
  const removePidfile = pidfile === undefined ? () => {} : writePidfile(pidfile);
  let server: CantoServer;
  try {
    server = await createServer({
      config,
      modules: standardModules,
      autoload: autoloadFor(config),
      logger,
      ...prosodyModuleOptions(config),
    }).catch((error: unknown) => {
      process.off("SIGHUP", hangUp);
      throw optionError(error, config);
    });
    await server.start();
  } catch (error) {
    removePidfile();
    throw error;
  }

  const missing = missingModulesLine(server.skippedModules.map((skipped) => skipped.module));
  if (missing !== undefined) logger.warn({ code: "prosody-modules-missing" }, missing);
  const failed: string[] = [];
  for (const host of config.hosts().map((info) => info.name)) {
    const loaded = new Set(server.manager.list(host));
    const skipped = new Set(server.skippedModules.filter((s) => s.host === host).map((s) => s.module));
    for (const name of server.manager.modulesForHost(host))
      if (!loaded.has(name) && !skipped.has(name)) failed.push(`${name} on ${host}`);
  }
  const c2s = server.manager.get("*", "c2s")?.exports as C2sApi | undefined;
  if (c2s === undefined) {
    process.off("SIGHUP", hangUp);
    await server.stop("start-up failed");
    removePidfile();
    throw new CliError(EXIT.failure, `c2s did not start, so no client can connect (see the errors above)`);
  }
  if (failed.length > 0) logger.error({ failed }, `some modules failed to load: ${failed.join(", ")}`);

  const listeners = c2s.listeners();
  const http = listenersOf(server, "http");
  const components = listenersOf(server, "component");
  const hosts = config.hosts().map((info) => info.name);
  logger.info(
    {
      listeners,
      http,
      components,
      hosts,
      config: file ?? "embedded default",
      data: config.paths.data,
      pid: process.pid,
      ...(pidfile !== undefined && { pidfile }),
    },
    `Canto serves ${hosts.join(", ")} on ${listeners
      .map((l) => `${l.address}:${l.port}${l.kind === "direct_tls" ? " (direct TLS)" : ""}`)
      .join(
        ", ",
      )}${http.length > 0 ? `, HTTP on ${http.map((l) => `${l.address}:${l.port}`).join(", ")}` : ""}${components.length > 0 ? `, components on ${components.map((l) => `${l.address}:${l.port}`).join(", ")}` : ""}; config: ${file ?? "embedded default"}; data: ${config.paths.data}`,
  );
  const firstHost = hosts[0] ?? "localhost";
  logger.info(`Add an account with: ${addUserHint(firstHost, file)}`);

  const stop = (signal: NodeJS.Signals) => {
    if (stopping) {
      logger.warn(`${signal} again: exiting without waiting`);
      process.exit(EXIT.failure);
    }
    stopping = true;
    logger.info(`${signal}: stopping`);
    server.stop(`received ${signal}`).then(
      () => {
        removePidfile();
        logger.info("stopped");
        logger.flush?.();
        process.exit(EXIT.ok);
      },
      (error: unknown) => {
        removePidfile();
        logger.error({ err: error }, "stop failed");
        process.exit(EXIT.failure);
      },
    );
  };
  process.once("SIGTERM", () => stop("SIGTERM"));
  process.once("SIGINT", () => stop("SIGINT"));
  serverUp(server);
  return server;
}

/**
 * server_metrics times the stores opened after it loads, so when the config enables it globally
 * it goes ahead of the autoloaded modules (offline opens its store at load).
 */
function autoloadFor(config: { get(host: string, name: string): unknown }): readonly string[] {
  const enabled = config.get("*", "modules_enabled");
  return Array.isArray(enabled) && enabled.includes("server_metrics")
    ? ["server_metrics", ...AUTOLOAD]
    : AUTOLOAD;
}

/** A storage option createServer refused (a bad `sql` table), told as a config error: file and line. */
function optionError(error: unknown, config: { locate(host: string, name: string): unknown }): unknown {
  const e = error as { code?: unknown; option?: unknown; host?: unknown; message?: unknown };
  if (e?.code !== "invalid-option" || typeof e.option !== "string" || typeof e.host !== "string")
    return error;
  const where = config.locate(e.host, e.option) as { file?: string; line?: number } | undefined;
  return new CliError(EXIT.failure, `${where ? `${location(where)}: ` : ""}${String(e.message)}`);
}
