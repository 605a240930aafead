// What a prosody.cfg.lua asks of the process rather than of a module: Prosody's module names
// and implied modules, its `certificates` folder, and options Canto leaves alone with a note.
import { existsSync } from "node:fs";
import { join } from "node:path";
import {
  isMissingProsodyModule,
  missingModulesLine,
  prosodyHostModules,
  standardModules,
} from "@canto/modules";
import type { Config, config as configTypes } from "canto";

/** What createServer takes so Prosody's module names and implied modules resolve. */
export function prosodyModuleOptions(config: Config) {
  return { hostModules: prosodyHostModules(config), optionalModules: isMissingProsodyModule };
}

/** The names Prosody's certmanager tries for a host: the host, then each parent domain. */
function candidates(host: string): string[] {
  const labels = host.split(".");
  return labels.slice(0, Math.max(1, labels.length - 1)).map((_, i) => labels.slice(i).join("."));
}

/** The certificate and key files for `host` in a Prosody `certificates` folder, if any. */
export function findCertificate(dir: string, host: string): { certificate: string; key: string } | undefined {
  for (const name of candidates(host)) {
    for (const [certificate, key] of [
      [join(dir, `${name}.crt`), join(dir, `${name}.key`)],
      [join(dir, name, "fullchain.pem"), join(dir, name, "privkey.pem")],
    ] as const) {
      if (existsSync(certificate) && existsSync(key)) return { certificate, key };
    }
  }
  return undefined;
}

/**
 * Prosody's `certificates` folder (default `certs` beside the config): each host without its own
 * `certificate`/`key`/`ssl` takes `<host>.crt`/`.key` or `<host>/fullchain.pem`/`privkey.pem`
 * from it (or a parent domain's). Hosts with none keep Canto's self-signed certificate.
 */
export function applyCertificateFolder(config: Config): void {
  const dir = config.options("*").getOptionPath("certificates", "certs", "config");
  if (dir === undefined || !existsSync(dir)) return;
  for (const { name } of config.hosts()) {
    const has = (option: string) => config.get(name, option) !== undefined;
    if (has("certificate") || has("key") || has("ssl")) continue;
    const found = findCertificate(dir, name);
    if (found === undefined) continue;
    config.set(name, "certificate", found.certificate);
    config.set(name, "key", found.key);
  }
}

/** Options of a Prosody config that Canto leaves alone, one note each for the start-up log. */
export function ignoredOptionNotes(config: Config): string[] {
  const notes: string[] = [];
  if (config.get("*", "daemonize") === true) {
    notes.push(
      "daemonize is ignored: canto start stays in the foreground (run it under systemd or another supervisor)",
    );
  }
  for (const option of ["prosody_user", "prosody_group", "umask"]) {
    if (config.get("*", option) !== undefined)
      notes.push(`${option} is ignored: start canto as the user it should run as`);
  }
  return notes;
}

/**
 * `canto check config`: one warning for the Prosody modules the lists name that Canto does not
 * have (a plugin of that name in `plugin_paths` would still load), at the first list naming one.
 */
export function missingModuleProblems(config: Config): configTypes.ConfigProblem[] {
  const names: string[] = [];
  let where: { file?: string | undefined; line?: number | undefined } | undefined;
  for (const section of ["*", ...config.hosts().map((h) => h.name)]) {
    const list = config.rawGet(section, "modules_enabled");
    if (!Array.isArray(list)) continue;
    const missing = list.filter(
      (name): name is string =>
        typeof name === "string" && isMissingProsodyModule(name) && !(name in standardModules),
    );
    if (missing.length > 0) where ??= config.locate(section, "modules_enabled");
    names.push(...missing);
  }
  const message = missingModulesLine(names);
  if (message === undefined) return [];
  return [
    {
      severity: "warning",
      code: "CANTO_CONFIG_MODULES_MISSING",
      message,
      option: "modules_enabled",
      ...where,
    },
  ];
}
