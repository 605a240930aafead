// Prosody's `pidfile` (mod_posix): `canto start` writes its process id there and removes the
// file when it stops; `canto status`, `reload` and `stop` find the running server by it.
import { mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";
import type { Config } from "canto";
import { CliError, EXIT } from "./exit-codes.js";

/** The configured pidfile, resolved against the data folder as Prosody does; undefined when unset. */
export function pidfilePath(config: Config): string | undefined {
  return config.options("*").getOptionPath("pidfile", undefined, "data");
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: the process exists but belongs to someone else.
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}

/** The pid a pidfile names when that process is alive, else undefined. */
export function runningPid(file: string): number | undefined {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch {
    return undefined;
  }
  const pid = Number.parseInt(text.trim(), 10);
  return Number.isInteger(pid) && pid > 0 && alive(pid) ? pid : undefined;
}

/**
 * Writes this process's id to `file`, refusing when the file names another live process (a
 * server already running on the same config). Returns the function that removes it again.
 */
export function writePidfile(file: string): () => void {
  const other = runningPid(file);
  if (other !== undefined && other !== process.pid) {
    throw new CliError(
      EXIT.failure,
      `pidfile ${file} names a running process (${other}): is Canto already running?`,
    );
  }
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, `${process.pid}\n`);
  let removed = false;
  return () => {
    if (removed) return;
    removed = true;
    if (runningPid(file) === process.pid) rmSync(file, { force: true });
  };
}
