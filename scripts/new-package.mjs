#!/usr/bin/env node
// Scaffolds packages/<name> as @canto/<name> and adds it to the solution tsconfig.
// Usage: node scripts/new-package.mjs <name> "<one-line description>" [dep-package ...]
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const [name, description = "", ...deps] = process.argv.slice(2);
if (!name || !/^[a-z][a-z0-9-]*$/.test(name)) {
  console.error('usage: node scripts/new-package.mjs <name> "<description>" [workspace-dep ...]');
  process.exit(1);
}
const dir = join(root, "packages", name);
if (existsSync(dir)) {
  console.error(`packages/${name} already exists`);
  process.exit(1);
}
mkdirSync(join(dir, "src"), { recursive: true });

const pkg = {
  name: `@canto/${name}`,
  version: "0.1.0",
  description,
  type: "module",
  license: "MIT",
  sideEffects: false,
  exports: {
    ".": { "canto-source": "./src/index.ts", types: "./dist/index.d.ts", default: "./dist/index.js" },
    "./package.json": "./package.json",
  },
  main: "./dist/index.js",
  types: "./dist/index.d.ts",
  files: ["dist", "!dist/**/*.test.*", "!dist/**/*.test-helper.*", "!dist/**/*.bench.*"],
  engines: { node: ">=20.19" },
  scripts: { build: "tsc -b", clean: "rm -rf dist tsconfig.tsbuildinfo" },
  dependencies: Object.fromEntries(deps.map((d) => [`@canto/${d}`, "workspace:^"])),
  devDependencies: { "@canto/test-utils": "workspace:*" },
};
writeFileSync(join(dir, "package.json"), `${JSON.stringify(pkg, null, 2)}\n`);

const tsconfig = {
  extends: "../../tsconfig.base.json",
  compilerOptions: { rootDir: "src", outDir: "dist" },
  include: ["src"],
  references: [...deps, "test-utils"].map((d) => ({ path: `../${d}` })),
};
writeFileSync(join(dir, "tsconfig.json"), `${JSON.stringify(tsconfig, null, 2)}\n`);
writeFileSync(join(dir, "src", "index.ts"), "export {};\n");
writeFileSync(
  join(dir, "README.md"),
  `# @canto/${name}\n\n${description}\n\n## Install\n\n\`\`\`sh\nnpm install @canto/${name}\n\`\`\`\n\n## Usage\n\n## API\n\n## Differences from Prosody\n`,
);

const solution = join(root, "tsconfig.json");
const sol = JSON.parse(readFileSync(solution, "utf8"));
if (!sol.references.some((r) => r.path === `packages/${name}`)) {
  sol.references.push({ path: `packages/${name}` });
  writeFileSync(solution, `${JSON.stringify(sol, null, 2)}\n`);
}
console.log(`created packages/${name}; run \`npx pnpm@12.4.2 install\` to link it`);
