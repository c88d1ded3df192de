/**
 * `bun run mutate` reports a mutant whose text moved as "stale", which is no verdict: a list that
 * went stale under a refactor would quietly test less. The suite keeps it true instead.
 */
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, test } from "vitest";
import { MUTANTS } from "./mutants.ts";

const REPO = join(import.meta.dirname, "..", "..");

describe("bun run mutate's list", () => {
  test("every mutant's text occurs exactly once in its file, changes it, and names test files that exist", () => {
    const problems = MUTANTS.flatMap((m) => {
      const path = join(REPO, m.file);
      if (!existsSync(path)) return [`${m.name}: ${m.file} does not exist`];
      const count = readFileSync(path, "utf8").split(m.find).length - 1;
      const found = count === 1 ? [] : [`${m.name}: its text occurs ${count} times in ${m.file} (expected once)`];
      const same = m.find === m.replace ? [`${m.name}: the replacement is the text itself`] : [];
      const files = m.tests.flatMap((t) => t.split(" ")).filter((word) => word.endsWith(".test.ts"));
      const missing = files.filter((f) => !existsSync(join(REPO, f))).map((f) => `${m.name}: names ${f}, which does not exist`);
      const none = files.length === 0 ? [`${m.name}: names no test file`] : [];
      return [...found, ...same, ...missing, ...none];
    });
    expect(problems).toEqual([]);
    expect(new Set(MUTANTS.map((m) => m.name)).size).toBe(MUTANTS.length);
  });
});
