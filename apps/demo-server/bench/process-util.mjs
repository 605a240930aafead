// What the benchmark scripts share about the processes they run: a raised open-file limit, waiting
// for a port, and a description of the machine for the report.
import { spawnSync } from "node:child_process";
import { connect } from "node:net";
import { cpus } from "node:os";

/** 10,000 sessions need 10,000 descriptors in the server and in the load generator. */
const FD_LIMIT = 65536;

/** `[command, args]` that run `argv` under a shell that first raises the open-file limit. */
export function withFdLimit(argv) {
  const quoted = argv.map((a) => `'${a.replaceAll("'", "'\\''")}'`).join(" ");
  return ["sh", ["-c", `ulimit -n ${FD_LIMIT} 2>/dev/null || ulimit -n $(ulimit -Hn); exec ${quoted}`]];
}

/** Resolves once something accepts connections on 127.0.0.1:`port`. */
export function waitForPort(port, timeoutMs) {
  const until = Date.now() + timeoutMs;
  return new Promise((resolve, reject) => {
    const attempt = () => {
      const socket = connect({ host: "127.0.0.1", port }, () => {
        socket.destroy();
        resolve();
      });
      socket.on("error", () => {
        socket.destroy();
        if (Date.now() > until)
          reject(new Error(`nothing listens on 127.0.0.1:${port} after ${timeoutMs} ms`));
        else setTimeout(attempt, 100);
      });
    };
    attempt();
  });
}

/** What `cmd argv` prints, stdout and stderr together. */
export function version(cmd, argv) {
  const result = spawnSync(cmd, argv);
  return `${result.stdout ?? ""}${result.stderr ?? ""}`.trim();
}

/** The machine a run happened on; `extra` adds fields (other servers' versions). */
export function machine(extra = {}) {
  return {
    nproc: cpus().length,
    cpu: cpus()[0]?.model ?? "unknown",
    free: version("free", ["-h"]),
    node: process.version,
    kernel: version("uname", ["-sr"]),
    ...extra,
    date: new Date().toISOString(),
  };
}
