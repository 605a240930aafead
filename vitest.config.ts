import { defineConfig } from "vitest/config";

// Workspace packages export a "canto-source" condition pointing at src/, so tests run against the
// TypeScript sources of sibling packages without a build step in between.
export default defineConfig({
  resolve: { conditions: ["canto-source"] },
  ssr: { resolve: { conditions: ["canto-source"] } },
  test: {
    include: ["packages/*/src/**/*.test.ts", "apps/*/src/**/*.test.ts"],
    benchmark: { include: ["packages/*/src/**/*.bench.ts", "apps/*/src/**/*.bench.ts"] },
    reporters: ["default", "./scripts/summary-reporter.ts"],
    testTimeout: 20_000,
    hookTimeout: 60_000,
    pool: "forks",
  },
});
