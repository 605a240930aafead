import { execFileSync } from "node:child_process";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

/** The package folder. */
export const packageDir = resolve(dirname(fileURLToPath(import.meta.url)), "..");

/**
 * Builds dist/ (incremental, so quick when fresh) for tests that run the built package in another
 * process. A lock keeps two test files from writing dist/ at once.
 */
export function buildPackage(): void {
  const tsc = join(packageDir, "..", "..", "node_modules", ".bin", "tsc");
  execFileSync("flock", ["/tmp/canto-storage-build.lock", tsc, "-b", packageDir], { stdio: "pipe" });
}
