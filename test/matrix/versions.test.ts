import { join } from "node:path";
import { describe, expect, test } from "vitest";
import { testProjects } from "./projects.ts";
import { codexBinFor, codexCacheDir, DEFAULT_MATRIX, OLDER_RELEASES, pinnedVersion, RELEASE_DATES, REPO, selectVersions } from "./versions.ts";

const names = (env: Record<string, string>) => testProjects(env).map((p) => p.test?.name);

describe("the Codex matrix", () => {
  test("by default: the older releases and the pinned dev dependency, newest last", () => {
    expect(pinnedVersion()).toMatch(/^\d+\.\d+\.\d+$/);
    expect(selectVersions({})).toEqual([...OLDER_RELEASES, pinnedVersion()]);
    // on Linux the pinned release's core cases run a second time on the portable process table
    const portable = process.platform === "linux" ? [`codex-${pinnedVersion()}-portable`] : [];
    expect(names({})).toEqual(["unit", ...DEFAULT_MATRIX().map((v) => `codex-${v}`), ...portable]);
  });

  test("the default matrix holds three releases or more, published six months or more apart, oldest first", () => {
    const matrix = DEFAULT_MATRIX();
    expect(matrix.length).toBeGreaterThanOrEqual(3);
    // a release pinned without its date fails here: add it to RELEASE_DATES (`npm view @openai/codex time`)
    const dates = matrix.map((v) => RELEASE_DATES[v]);
    expect(dates.filter((d) => d === undefined), `no RELEASE_DATES for ${matrix.filter((v) => !RELEASE_DATES[v]).join(", ")}`).toEqual([]);
    const days = dates.map((d) => Date.parse(`${d!}T00:00:00Z`) / 86_400_000);
    expect([...days].sort((a, b) => a - b)).toEqual(days);
    expect(days.at(-1)! - days[0]!).toBeGreaterThanOrEqual(182);
  });

  test("CODEX_SUPERVISOR_MATRIX names releases; `pinned` alone installs nothing", () => {
    expect(selectVersions({ CODEX_SUPERVISOR_MATRIX: "0.150.1, pinned 0.150.1" })).toEqual(["0.150.1", pinnedVersion()]);
    expect(selectVersions({ CODEX_SUPERVISOR_MATRIX: "pinned" })).toEqual([pinnedVersion()]);
    expect(() => selectVersions({ CODEX_SUPERVISOR_MATRIX: "latest" })).toThrow(`"latest" is not a Codex version`);
  });

  test("CODEX_SUPERVISOR_TEST_CODEX runs the end-to-end tests against that one binary", () => {
    const projects = testProjects({ CODEX_SUPERVISOR_TEST_CODEX: "/opt/codex/bin/codex" });
    expect(projects.map((p) => p.test?.name)).toEqual(["unit", "codex-given", ...(process.platform === "linux" ? ["codex-given-portable"] : [])]);
    expect(projects[1]!.test?.env).toEqual({ CODEX_SUPERVISOR_TEST_CODEX: "/opt/codex/bin/codex" });
    if (process.platform === "linux") {
      expect(projects[2]!.test?.env).toEqual({ CODEX_SUPERVISOR_TEST_CODEX: "/opt/codex/bin/codex", CODEX_SUPERVISOR_PROCESS_TABLE: "portable" });
      expect(projects[2]!.test?.include).toEqual(["test/real/lifecycle.test.ts", "test/real/watchdog.test.ts", "test/mcp/server.real.test.ts"]);
    }
  });

  test("older releases live in the user's cache, outside the project; the pinned one in node_modules", () => {
    expect(codexCacheDir({ XDG_CACHE_HOME: "/var/cache/u" })).toBe("/var/cache/u/codex-supervisor/codex-versions");
    expect(codexBinFor("0.128.0", { XDG_CACHE_HOME: "/var/cache/u" })).toBe("/var/cache/u/codex-supervisor/codex-versions/0.128.0/node_modules/.bin/codex");
    expect(codexCacheDir({ HOME: "/h" }).startsWith(REPO)).toBe(false);
    expect(codexBinFor(pinnedVersion())).toBe(join(REPO, "node_modules/.bin/codex"));
  });
});
