/**
 * Before a project's tests: the Codex release it runs against is installed (into the cache
 * outside the project tree), so a fresh machine runs the whole matrix from `bun run test` alone.
 * Runs once per vitest project that has tests to run: `unit` and `codex-given` need nothing.
 */
import type { TestProject } from "vitest/node";
import { installCodex } from "./install.ts";
import { E2E_PROJECT_PREFIX, PORTABLE_SUFFIX } from "./projects.ts";
import { isVersion, MATRIX_ENV } from "./versions.ts";

export default async function setup(project: TestProject): Promise<void> {
  // the portable pass runs the same release as its project without the suffix
  const version = project.name.startsWith(E2E_PROJECT_PREFIX) ? project.name.slice(E2E_PROJECT_PREFIX.length).replace(new RegExp(`${PORTABLE_SUFFIX}$`), "") : "";
  if (!isVersion(version)) return;
  try {
    await installCodex(version);
  } catch (e) {
    throw new Error([
      `the Codex matrix needs @openai/codex ${version}, which could not be installed:`,
      e instanceof Error ? e.message : String(e),
      `(offline? ${MATRIX_ENV}=pinned runs the real-Codex tests against the pinned release only)`,
    ].join("\n"));
  }
}
