import { availableParallelism } from "node:os";
import { join } from "node:path";
import { defineConfig } from "vitest/config";
import { testProjects } from "./test/matrix/projects.ts";
import LongestFirst from "./test/support/sequencer.ts";

// Runs under Bun (`bun --bun vitest run`): bun:sqlite exists only there, and
// the default forks pool does not start under Bun, so threads it is.
// The unit tests run once, the real-Codex tests once per release of the Codex matrix
// (test/matrix/), each release installed into the user's cache before its tests run.
// Those tests mostly wait on Codex: a whole run on 2 cores kept them about half busy with two files at
// a time (user+sys 12m40s over 12m47s wall) and with three (12m15s over 11m19s), so one more than
// there are cores; four were no faster (11m39s) and made timing-bound tests flaky.
// The built-in plugins import the package by name, as a user's plugin does; here it is these sources.
const SELF = { "codex-supervisor": "src/index.ts", "codex-supervisor/plugin": "src/plugin.ts" };

export default defineConfig({
  resolve: {
    alias: Object.entries(SELF).map(([name, file]) => ({ find: new RegExp(`^${name}$`), replacement: join(import.meta.dirname, file) })),
  },
  test: {
    pool: "threads",
    maxWorkers: availableParallelism() + 1,
    // the longest files first, on a fresh checkout too (see the sequencer)
    sequence: { sequencer: LongestFirst },
    projects: testProjects(),
    // A test that runs no `expect` fails: a test that returns early or asserts nothing is no test.
    expect: { requireAssertions: true },
    testTimeout: 60_000,
    hookTimeout: 60_000,
    reporters: ["default", "./test/support/summaryReporter.ts"],
  },
});
