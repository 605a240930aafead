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
      let failedHere = 0;
      for (const test of mod.children.allTests()) {
        const state = test.result().state;
        if (state === "passed") passed++;
        else if (state === "failed") failedHere++;
        else skipped++;
      }
      // A file that failed without a failing test (a broken import, a failing beforeAll that left its
      // tests skipped) is one failure, never a quiet skip.
      if (failedHere === 0 && mod.state() === "failed") failedHere = 1;
      failed += failedHere;
    }
    failed += unhandledErrors.length;
    process.stdout.write(`\nvitest: ${passed} passed, ${failed} failed, ${skipped} skipped\n`);
  }
}
