import { execFileSync } from "node:child_process";
import {
  copyFileSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const workspaceRoot = resolve(dirname(fileURLToPath(import.meta.url)), "../../..");

interface Manifest {
  name: string;
  dependencies?: Record<string, string>;
}

function readManifest(dir: string): Manifest {
  return JSON.parse(readFileSync(join(dir, "package.json"), "utf8")) as Manifest;
}

/** Folder of every workspace package, by package name. */
function workspacePackages(): Map<string, string> {
  const found = new Map<string, string>();
  for (const group of ["packages", "apps"]) {
    const base = join(workspaceRoot, group);
    let entries: string[] = [];
    try {
      entries = readdirSync(base);
    } catch {
      continue;
    }
    for (const entry of entries) {
      const dir = join(base, entry);
      try {
        found.set(readManifest(dir).name, dir);
      } catch {
        // not a package folder
      }
    }
  }
  return found;
}

/** The package and the workspace packages it depends on at run time, transitively. */
function closure(name: string, all: Map<string, string>, seen = new Set<string>()): Set<string> {
  if (seen.has(name)) return seen;
  const dir = all.get(name);
  if (!dir) throw new Error(`no workspace package named ${name}`);
  seen.add(name);
  for (const [dep, range] of Object.entries(readManifest(dir).dependencies ?? {})) {
    if (range.startsWith("workspace:")) closure(dep, all, seen);
  }
  return seen;
}

export interface PackedInstall {
  /** The empty project the tarballs were installed into. */
  dir: string;
  /** Runs an ES module in that project and returns what it printed. */
  run(source: string): string;
  dispose(): void;
}

/**
 * Packs a workspace package (and the workspace packages it depends on) with `pnpm pack`, installs
 * the tarballs into an empty folder with npm, as a user would, and lets the caller run code there.
 * The packages must have been built (`npm test` builds them first).
 */
export interface PackOptions {
  /**
   * Native addons not to compile on install (better-sqlite3 builds from source for minutes here):
   * install with scripts off and copy the workspace's compiled addon of the same pinned version.
   */
  reuseNative?: readonly "better-sqlite3"[];
}

const NATIVE_ADDONS = { "better-sqlite3": "build/Release/better_sqlite3.node" } as const;

export function packAndInstall(packageName: string, options: PackOptions = {}): PackedInstall {
  const all = workspacePackages();
  const dir = mkdtempSync(join(tmpdir(), "canto-pack-"));
  const pnpm = join(workspaceRoot, "node_modules", ".bin", "pnpm");
  const tarballs: string[] = [];
  for (const name of closure(packageName, all)) {
    const out = execFileSync(pnpm, ["pack", "--pack-destination", dir], {
      cwd: all.get(name)!,
      encoding: "utf8",
    });
    const tgz = out
      .trim()
      .split("\n")
      .map((l) => l.trim())
      .reverse()
      .find((l) => l.endsWith(".tgz"));
    if (!tgz) throw new Error(`pnpm pack printed no tarball for ${name}:\n${out}`);
    tarballs.push(resolve(dir, tgz));
  }
  const app = join(dir, "app");
  execFileSync("mkdir", ["-p", app]);
  writeFileSync(
    join(app, "package.json"),
    JSON.stringify({ name: "pack-check", private: true, type: "module" }),
  );
  const reuse = options.reuseNative ?? [];
  execFileSync(
    "npm",
    ["install", "--no-audit", "--no-fund", "--prefer-offline", "--loglevel=error", ...tarballs],
    {
      cwd: app,
      encoding: "utf8",
      stdio: ["ignore", "pipe", "pipe"],
      env: reuse.length > 0 ? { ...process.env, npm_config_ignore_scripts: "true" } : process.env,
    },
  );
  const requireFromStorage = createRequire(join(workspaceRoot, "packages", "storage", "package.json"));
  for (const addon of reuse) {
    const built = join(dirname(requireFromStorage.resolve(`${addon}/package.json`)), NATIVE_ADDONS[addon]);
    const target = join(app, "node_modules", addon, NATIVE_ADDONS[addon]);
    mkdirSync(dirname(target), { recursive: true });
    copyFileSync(built, target);
  }
  return {
    dir: app,
    run(source: string): string {
      const file = join(app, `check-${Date.now()}.mjs`);
      writeFileSync(file, source);
      return execFileSync(process.execPath, [file], { cwd: app, encoding: "utf8" });
    },
    dispose() {
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
