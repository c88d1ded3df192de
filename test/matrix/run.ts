/**
 * Runs the end-to-end tests (everything that drives the real Codex binary) once per
 * Codex release, installing each missing release into the cache first.
 *
 *   bun run test:matrix                      the default matrix (0.128.0, 0.150.1, the pinned release)
 *   bun run test:matrix 0.160.0 0.169.0      any releases, by version ("pinned" for the dev dependency)
 *   bun run test:matrix latest               whatever release the npm registry calls latest today
 *   bun run test:matrix -- -t "kill"         extra arguments after -- go to vitest
 *
 * `bun run test` runs the same matrix together with the unit tests; this is the e2e part alone.
 */
import { E2E_PROJECT_PREFIX } from "./projects.ts";
import { isVersion, MATRIX_ENV, REPO, selectVersions } from "./versions.ts";

const args = process.argv.slice(2);
const split = args.indexOf("--");
const versions = split >= 0 ? args.slice(0, split) : args;
const vitestArgs = split >= 0 ? args.slice(split + 1) : [];

/** The version npm's `latest` tag names now, so a new release is tried the day it appears. */
const latestRelease = async (): Promise<string> => {
  const npm = Bun.spawn(["npm", "view", "@openai/codex", "dist-tags.latest"], { stdin: "ignore", stdout: "pipe", stderr: "pipe" });
  const [out, err, code] = await Promise.all([new Response(npm.stdout).text(), new Response(npm.stderr).text(), npm.exited]);
  const version = out.trim();
  if (code !== 0 || !isVersion(version)) {
    console.error(`cannot learn the latest @openai/codex release from npm (exit ${code}): ${err.trim() || out.trim()}`);
    process.exit(2);
  }
  return version;
};

const env: Record<string, string | undefined> = { ...process.env };
const resolved = await Promise.all(versions.map((v) => (v === "latest" ? latestRelease() : v)));
if (resolved.length > 0) env[MATRIX_ENV] = resolved.join(",");
try {
  // fails here, before vitest starts, on a version that is not one
  console.log(`codex matrix: ${selectVersions(env).join(", ")}`);
} catch (e) {
  console.error(e instanceof Error ? e.message : String(e));
  process.exit(2);
}

const vitest = Bun.spawn([process.execPath, "--bun", "vitest", "run", `--project=${E2E_PROJECT_PREFIX}*`, ...vitestArgs], {
  cwd: REPO, env, stdio: ["inherit", "inherit", "inherit"],
});
process.exit(await vitest.exited);
