import type { Reporter, TestModule } from "vitest/node";

/**
 * Prints one closing line, `vitest: N passed, N failed, N skipped`, that CI reads. A test file
 * that fails to load counts as one failure, so a broken import can never pass as "no tests".
 */
export default class SummaryReporter implements Reporter {
  onTestRunEnd(modules: ReadonlyArray<TestModule>, unhandledErrors: ReadonlyArray<unknown>): void {
    let passed = 0;
    let failed = 0;
    let skipped = 0;
    for (const mod of modules) {
      let seen = 0;
      for (const test of mod.children.allTests()) {
        seen++;
        const state = test.result().state;
        if (state === "passed") passed++;
        else if (state === "failed") failed++;
        else skipped++;
      }
      if (seen === 0 && mod.state() === "failed") failed++;
    }
    failed += unhandledErrors.length;
    process.stdout.write(`\nvitest: ${passed} passed, ${failed} failed, ${skipped} skipped\n`);
  }
}
