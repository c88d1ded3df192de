import { BaseSequencer, type TestSpecification } from "vitest/node";

/**
 * The files that take longest (a whole run's JSON report, 2 cores), longest first: started first,
 * they run beside the many short ones instead of after them. A fresh checkout (CI) has no record of
 * the last run for vitest to order by, and ordered by size these came last and ran alone at the end.
 * A file not listed keeps vitest's own order, after these.
 */
const LONGEST_FIRST: ReadonlyArray<string> = [
  "test/bench/quick.test.ts",
  "test/adversarial/crashes.test.ts",
  "test/real/compat.test.ts",
  "test/real/watchdog.test.ts",
  "test/real/watchdogDatabase.test.ts",
  "test/real/cgroup.test.ts",
  "test/real/trust.test.ts",
  "test/real/install.test.ts",
  "test/real/apiExample.test.ts",
  "test/real/lifecycle.test.ts",
  "test/adversarial/badInput.test.ts",
  "test/real/observe.test.ts",
  "test/real/doctor.test.ts",
  "test/adversarial/security.test.ts",
];

const rank = (spec: TestSpecification): number => {
  const at = LONGEST_FIRST.findIndex((file) => spec.moduleId.endsWith(`/${file}`));
  return at < 0 ? LONGEST_FIRST.length : at;
};

export default class LongestFirst extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const ordered = await super.sort(files);
    return ordered.map((spec, i) => ({ spec, i })).sort((a, b) => rank(a.spec) - rank(b.spec) || a.i - b.i).map(({ spec }) => spec);
  }
}
