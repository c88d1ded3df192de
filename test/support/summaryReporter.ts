import { relative } from "node:path";
import type { Reporter, TestModule } from "vitest/node";

/**
 * Ends the run with every skipped test and why (its name or its `ctx.skip(note)` says), then
 * one plain line, `N passed, N failed, N skipped`, that any CI reading closing lines understands,
 * whatever vitest's own summary looks like.
 */
export default class SummaryReporter implements Reporter {
  onTestRunEnd(modules: ReadonlyArray<TestModule>): void {
    const counts = { passed: 0, failed: 0, skipped: 0 };
    const skipped: string[] = [];
    for (const module of modules) {
      for (const test of module.children.allTests()) {
        const result = test.result();
        if (result.state === "passed") counts.passed++;
        else if (result.state === "failed") counts.failed++;
        else {
          counts.skipped++;
          // `-t` filters leave most of a file unrun: only a skip the test itself asked for is listed.
          const note = result.state === "skipped" ? result.note : undefined;
          if (test.options.mode === "skip" || note !== undefined) {
            const where = `${module.project.name} ${relative(process.cwd(), module.moduleId)}`;
            skipped.push(`  ${where} > ${test.fullName}${note ? ` (${note})` : ""}`);
          }
        }
      }
    }
    if (skipped.length > 0) process.stdout.write(`\nSkipped tests and why:\n${skipped.join("\n")}\n`);
    process.stdout.write(`\n${counts.passed} passed, ${counts.failed} failed, ${counts.skipped} skipped\n`);
  }
}
