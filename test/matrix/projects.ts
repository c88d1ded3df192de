/**
 * The vitest projects: the unit tests once, and the end-to-end tests (the ones that
 * drive the real Codex binary) once per Codex release in the matrix, each with
 * CODEX_SUPERVISOR_TEST_CODEX pointing at that release's launcher.
 */
import { configDefaults, type TestProjectInlineConfiguration } from "vitest/config";
import { CODEX_ENV, codexBinFor, selectVersions } from "./versions.ts";

/** The tests that drive the real Codex binary: what the matrix repeats per release. */
export const E2E_TESTS: ReadonlyArray<string> = ["test/real/**/*.test.ts", "test/**/*.real.test.ts"];

export const E2E_PROJECT_PREFIX = "codex-";
const INSTALL_SETUP = "./test/matrix/globalSetup.ts";

export const testProjects = (env: Readonly<Record<string, string | undefined>> = process.env): TestProjectInlineConfiguration[] => {
  const unit: TestProjectInlineConfiguration = {
    extends: true,
    test: { name: "unit", include: ["test/**/*.test.ts"], exclude: [...configDefaults.exclude, ...E2E_TESTS] },
  };
  const e2e = (name: string, bin: string): TestProjectInlineConfiguration => ({
    extends: true,
    // each release's project installs its release first (a no-op once it is in the cache)
    test: { name, include: [...E2E_TESTS], env: { [CODEX_ENV]: bin }, globalSetup: [INSTALL_SETUP] },
  });
  const given = env[CODEX_ENV];
  // one binary given by hand: the suite runs against it alone
  if (given) return [unit, e2e(`${E2E_PROJECT_PREFIX}given`, given)];
  return [unit, ...selectVersions(env).map((v) => e2e(`${E2E_PROJECT_PREFIX}${v}`, codexBinFor(v, env)))];
};
