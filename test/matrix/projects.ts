/**
 * The vitest projects: the unit tests once, and the end-to-end tests (the ones that
 * drive the real Codex binary) once per Codex release in the matrix, each with
 * CODEX_SUPERVISOR_TEST_CODEX pointing at that release's launcher.
 */
import { configDefaults, type TestProjectInlineConfiguration } from "vitest/config";
import { CODEX_ENV, codexBinFor, MATRIX_ENV, pinnedVersion, selectVersions } from "./versions.ts";

/** The variable that forces the process table backend (src/services/ProcessTable.ts BACKEND_ENV). */
const BACKEND_ENV = "CODEX_SUPERVISOR_PROCESS_TABLE";
/** Which pass an e2e project is (test/real/support/harness.ts, PASS): set for an older release's. */
const PASS_ENV = "CODEX_SUPERVISOR_TEST_PASS";

/** The tests that drive the real Codex binary: what the matrix repeats per release. */
export const E2E_TESTS: ReadonlyArray<string> = ["test/real/**/*.test.ts", "test/**/*.real.test.ts"];

/**
 * What every release must pass (the list: start → list → logs → completed, the
 * stubborn kill, the venv case, unknown formats): the whole of compat.test.ts and, in
 * lifecycle.test.ts, those cases (`inPasses(["older"])`). The rest of the e2e suite — watchdog,
 * MCP, doctor, resume — exercises the supervisor more than Codex, so by default it runs
 * against the pinned release only; naming releases (CODEX_SUPERVISOR_MATRIX or
 * `bun run test:matrix`) runs all of it for each. This keeps CI's run well under 10 minutes.
 */
export const PER_RELEASE_TESTS: ReadonlyArray<string> = ["test/real/lifecycle.test.ts", "test/real/compat.test.ts"];

/**
 * The core of the end-to-end suite, run a second time against the pinned release with the process
 * table forced portable (ps and lsof, what macOS runs): the lifecycle, the watchdog and the MCP
 * status. Inside these files the cases outside the core are `fullPassOnly` (test/real/support/harness.ts).
 */
export const PORTABLE_TESTS: ReadonlyArray<string> = ["test/real/lifecycle.test.ts", "test/real/watchdog.test.ts", "test/mcp/server.real.test.ts"];
export const PORTABLE_SUFFIX = "-portable";

/**
 * End-to-end files that only run on Linux: cgroups are Linux's, and the others check what the
 * supervisor did by reading /proc themselves (a TUI's children, a job's end watched every 10 ms,
 * a cwd deleted under a running process). docs/platforms.md lists them with the reason.
 */
export const LINUX_ONLY_E2E: ReadonlyArray<string> = [
  "test/real/cgroup.test.ts", "test/real/observe.test.ts", "test/real/jobEnd.test.ts", "test/real/goneCwd.test.ts", "test/real/watchdogDatabase.test.ts",
];

export const E2E_PROJECT_PREFIX = "codex-";
const INSTALL_SETUP = "./test/matrix/globalSetup.ts";
const BUILD_SETUP = "./test/support/buildCli.ts";
const CGROUP_SWEEP = "./test/support/cgroupSweep.ts";

export const testProjects = (env: Readonly<Record<string, string | undefined>> = process.env): TestProjectInlineConfiguration[] => {
  const unit: TestProjectInlineConfiguration = {
    extends: true,
    test: { name: "unit", include: ["test/**/*.test.ts"], exclude: [...configDefaults.exclude, ...E2E_TESTS], globalSetup: [BUILD_SETUP, CGROUP_SWEEP] },
  };
  const e2e = (name: string, bin: string, include: ReadonlyArray<string> = E2E_TESTS, extraEnv: Record<string, string> = {}): TestProjectInlineConfiguration => ({
    extends: true,
    // each release's project installs its release first (a no-op once it is in the cache)
    test: {
      name, include: [...include], env: { [CODEX_ENV]: bin, ...extraEnv }, globalSetup: [BUILD_SETUP, INSTALL_SETUP, CGROUP_SWEEP],
      ...(process.platform === "linux" ? {} : { exclude: [...configDefaults.exclude, ...LINUX_ONLY_E2E] }),
    },
  });
  // where the platform's own backend is already the portable one (macOS), the second pass would repeat the first
  const portable = (name: string, bin: string) => (process.platform === "linux"
    ? [e2e(`${name}${PORTABLE_SUFFIX}`, bin, PORTABLE_TESTS, { [BACKEND_ENV]: "portable" })]
    : []);
  const given = env[CODEX_ENV];
  // one binary given by hand: the suite runs against it alone
  if (given) return [unit, e2e(`${E2E_PROJECT_PREFIX}given`, given), ...portable(`${E2E_PROJECT_PREFIX}given`, given)];
  const everything = env[MATRIX_ENV] !== undefined && env[MATRIX_ENV] !== "";
  return [unit, ...selectVersions(env).flatMap((v) => [
    everything || v === pinnedVersion()
      ? e2e(`${E2E_PROJECT_PREFIX}${v}`, codexBinFor(v, env))
      // inside these files an older release runs the per-release cases (harness.ts, inPasses)
      : e2e(`${E2E_PROJECT_PREFIX}${v}`, codexBinFor(v, env), PER_RELEASE_TESTS, { [PASS_ENV]: "older" }),
    ...(v === pinnedVersion() ? portable(`${E2E_PROJECT_PREFIX}${v}`, codexBinFor(v, env)) : []),
  ])];
};
