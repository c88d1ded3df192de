import { readFileSync } from "node:fs";

const CAP_DAC_OVERRIDE = 1n;

/**
 * Whether this process reads and writes files whatever their permissions say (root with
 * CAP_DAC_OVERRIDE). Such a process cannot see a permission error, so the tests of those
 * errors skip here; test/permissions.test.ts runs them again with the capabilities dropped.
 */
export const overridesFilePermissions = ((): boolean => {
  try {
    const hex = /^CapEff:\s*([0-9a-f]+)$/m.exec(readFileSync("/proc/self/status", "utf8"))?.[1];
    if (hex !== undefined) return ((BigInt(`0x${hex}`) >> CAP_DAC_OVERRIDE) & 1n) === 1n;
  } catch { /* no /proc: judge by the uid */ }
  return process.getuid?.() === 0;
})();

/** The name suffix of a test that needs permission errors, saying why it skips where it does. */
export const needsPermissionErrors = overridesFilePermissions
  ? " (skipped: this process overrides file permissions; test/permissions.test.ts runs it without that capability)"
  : "";

/** The test files that hold such tests: test/permissions.test.ts runs them without the capability. */
export const PERMISSION_TEST_FILES: ReadonlyArray<string> = [
  "test/app/doctor/database.test.ts",
  "test/services/JobStore.test.ts",
];
