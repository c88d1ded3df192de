import { defineConfig } from "vitest/config";

// Runs under Bun (`bun --bun vitest run`): bun:sqlite exists only there, and
// the default forks pool does not start under Bun, so threads it is.
export default defineConfig({
  test: {
    pool: "threads",
    include: ["test/**/*.test.ts"],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    reporters: ["default", "./test/support/summaryReporter.ts"],
  },
});
