// `canto status`, `reload` and `stop`: the running server is found by the config's pidfile, as
// prosodyctl finds Prosody.
import { standardModules } from "@canto/modules";
import { CliError, EXIT } from "./exit-codes.js";
import { loadServerConfig } from "./load-config.js";
import { pidfilePath, runningPid } from "./pidfile.js";

export type ControlCommand = "status" | "reload" | "stop";

/** What a control command found: the message to print and the exit code. */
export interface ControlResult {
  code: number;
  message: string;
}

/**
 * Reports whether the server of `configFile` runs (status: 0 running, 1 not), or signals it:
 * reload sends SIGHUP (the config is re-read, see reload.ts), stop sends SIGTERM.
 */
export async function controlCommand(
  command: ControlCommand,
  configFile: string | undefined,
  overrides: Record<string, unknown>,
): Promise<ControlResult> {
  const { config, file } = await loadServerConfig(configFile, standardModules, overrides);
  const pidfile = pidfilePath(config);
  if (pidfile === undefined) {
    throw new CliError(
      EXIT.failure,
      `${command}: ${file ?? "the embedded default config"} sets no pidfile, so the running server cannot be found (set pidfile = "canto.pid")`,
    );
  }
  const pid = runningPid(pidfile);
  if (pid === undefined)
    return { code: EXIT.failure, message: `Canto is not running (no live process in ${pidfile})` };
  if (command === "status") return { code: EXIT.ok, message: `Canto is running with PID ${pid}` };
  process.kill(pid, command === "reload" ? "SIGHUP" : "SIGTERM");
  return {
    code: EXIT.ok,
    message:
      command === "reload"
        ? `Sent SIGHUP to ${pid}: the config file is re-read (hosts and modules follow it; see the server's log)`
        : `Sent SIGTERM to ${pid}: the server stops`,
  };
}
