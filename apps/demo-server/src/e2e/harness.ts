// Helpers for the end-to-end tests: the server and the CLI run as child processes, exactly as a
// user runs them (`node dist/cli.js ...`), against a config in a temporary folder.
import { type ChildProcess, spawn } from "node:child_process";
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

export const CLI = fileURLToPath(new URL("../../dist/cli.js", import.meta.url));

/** What a client needs to log in (STARTTLS, SASL, stored accounts, bind) and keep a roster. */
export const LOGIN_MODULES = ["tls", "saslauth", "auth_internal_hashed", "bind", "roster"];

/** Fails with a clear message when the app was not built: the tests never build it themselves. */
export function requireBuild(): void {
  if (!existsSync(CLI)) {
    throw new Error(
      `${CLI} is missing: build first (\`npm test\` at the repository root builds everything, or \`npx turbo run build --filter=@canto/demo-server...\`)`,
    );
  }
}

/** A temporary folder with `canto.config.json`; data goes in its `data` subfolder. */
export function tempConfig(options: Record<string, unknown>): { dir: string; file: string; remove(): void } {
  const dir = mkdtempSync(join(tmpdir(), "canto-e2e-"));
  const file = join(dir, "canto.config.json");
  writeFileSync(
    file,
    JSON.stringify(
      {
        log_level: "info",
        data_path: "./data",
        c2s_ports: [0],
        c2s_direct_tls_ports: [0],
        // Fast key derivation keeps account creation and logins quick; 4096 is the floor.
        scram_iteration_count: 4096,
        ...options,
      },
      null,
      2,
    ),
  );
  return { dir, file, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs `node dist/cli.js ...args` in `cwd`, with `input` on its standard input. */
export function runCli(args: string[], options: { cwd: string; input?: string }): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, ...args], { cwd: options.cwd, stdio: "pipe" });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk: Buffer) => {
      stdout += chunk.toString();
    });
    child.stderr.on("data", (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    child.on("error", reject);
    child.on("close", (code) => resolve({ code, stdout, stderr }));
    child.stdin.end(options.input ?? "");
  });
}

/** Creates an account through the CLI; throws with the CLI's output when it fails. */
export async function addUser(cwd: string, jid: string, password: string): Promise<void> {
  const result = await runCli(["adduser", jid, "--password", password], { cwd });
  if (result.code !== 0) throw new Error(`adduser ${jid} failed (${result.code}): ${result.stderr}`);
}

export interface Listener {
  kind: "c2s" | "direct_tls";
  address: string;
  port: number;
}

/** A running `canto start`. */
export interface ServerProcess {
  child: ChildProcess;
  /** The STARTTLS port and the direct TLS port, read from the start-up log. */
  port: number;
  tlsPort: number;
  /** Every log line so far, parsed. */
  logs: Record<string, unknown>[];
  /** SIGTERM, then the exit code. */
  stop(): Promise<number | null>;
  /** SIGKILL without waiting: for afterAll after a failure. */
  kill(): void;
}

/**
 * Starts `node dist/cli.js start --config FILE ...args` in the config's folder; resolves once it
 * listens. `tlsPort` is 0 when the config has no direct TLS port.
 */
export function startServer(
  config: { dir: string; file: string },
  timeoutMs = 20_000,
  args: readonly string[] = [],
): Promise<ServerProcess> {
  requireBuild();
  const child = spawn(process.execPath, [CLI, "start", "--config", config.file, ...args], {
    cwd: config.dir,
    stdio: ["ignore", "pipe", "pipe"],
  });
  const logs: Record<string, unknown>[] = [];
  let stderr = "";
  let pending = "";
  const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
  // Whatever happens to the test run, the server does not outlive it.
  const killOnExit = () => child.kill("SIGKILL");
  process.once("exit", killOnExit);
  child.once("exit", () => process.off("exit", killOnExit));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new Error(`the server did not start in ${timeoutMs} ms; stderr: ${stderr}`));
    }, timeoutMs);
    child.stderr?.on("data", (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    child.on("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`the server exited with ${code} before listening; stderr: ${stderr}`));
    });
    child.stdout?.on("data", (chunk: Buffer) => {
      pending += chunk.toString();
      const lines = pending.split("\n");
      pending = lines.pop() ?? "";
      for (const line of lines) {
        let record: Record<string, unknown>;
        try {
          record = JSON.parse(line) as Record<string, unknown>;
        } catch {
          continue;
        }
        logs.push(record);
        const listeners = record.listeners as Listener[] | undefined;
        if (listeners === undefined) continue;
        clearTimeout(timer);
        const port = listeners.find((l) => l.kind === "c2s")?.port;
        const tlsPort = listeners.find((l) => l.kind === "direct_tls")?.port ?? 0;
        if (port === undefined) {
          child.kill("SIGKILL");
          reject(new Error(`unexpected listeners: ${line}`));
          return;
        }
        resolve({
          child,
          port,
          tlsPort,
          logs,
          stop: () => {
            if (child.exitCode === null) child.kill("SIGTERM");
            return exited;
          },
          kill: () => {
            if (child.exitCode === null) child.kill("SIGKILL");
          },
        });
      }
    });
  });
}
