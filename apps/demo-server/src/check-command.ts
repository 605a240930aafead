import { standardModules } from "@canto/modules";
import { type config, config as configPackage, createConfig } from "canto";
import { defaultConfig } from "./default-config.js";
import { gcProblems } from "./gc-option.js";
import { location } from "./load-config.js";
import { missingModuleProblems } from "./prosody-compat.js";

/** What `canto check config` found, and the lines to print. */
export interface CheckResult {
  ok: boolean;
  lines: string[];
}

/**
 * `canto check config [FILE]`: the problems of FILE (else the config file in the working folder,
 * else the embedded default), one `file:line: severity code: message` line each.
 */
export async function checkConfig(file: string | undefined): Promise<CheckResult> {
  const path = file ?? configPackage.findConfigFile();
  const checks = [gcProblems, missingModuleProblems];
  const problems: config.ConfigProblem[] =
    path === undefined
      ? configPackage.check(createConfig(defaultConfig(standardModules)), { checks })
      : await configPackage.checkFile(path, { checks });
  const name = path ?? "the embedded default config";
  const lines = problems.map(
    (problem) =>
      `${location({ file: problem.file ?? path, line: problem.line })}: ${problem.severity} ${problem.code}: ${problem.message}`,
  );
  const errors = problems.filter((problem) => problem.severity === "error").length;
  lines.push(
    errors === 0
      ? `${name}: OK${problems.length > 0 ? ` (${problems.length} warning(s))` : ""}`
      : `${name}: ${errors} error(s), ${problems.length - errors} warning(s)`,
  );
  return { ok: errors === 0, lines };
}
