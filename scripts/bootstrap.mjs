// Installs the workspace from the frozen lockfile when node_modules is missing or older than the
// lockfile, so that `npm test` works on a fresh clone with only Node and npm on the machine.
import { execSync } from "node:child_process";
import { existsSync, statSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const lock = join(root, "pnpm-lock.yaml");
const marker = join(root, "node_modules", ".modules.yaml");

const fresh = existsSync(marker) && statSync(marker).mtimeMs >= statSync(lock).mtimeMs;
if (!fresh) {
  const pnpm = existsSync(join(root, "node_modules", ".bin", "pnpm"))
    ? join(root, "node_modules", ".bin", "pnpm")
    : "npx --yes pnpm@12.4.2";
  console.log(`bootstrap: ${pnpm} install --frozen-lockfile`);
  execSync(`${pnpm} install --frozen-lockfile`, {
    cwd: root,
    stdio: "inherit",
    env: { ...process.env, TURBO_TELEMETRY_DISABLED: "1" },
  });
}
