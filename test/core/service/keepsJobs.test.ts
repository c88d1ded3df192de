/**
 * "Stopping the service never kills the jobs", shown with real processes.
 *
 * What a service manager does on stop under the settings we generate:
 *  - systemd, KillMode=process: SIGTERM to the main PID only (then SIGKILL to it
 *    after TimeoutStopSec); the rest of the unit's cgroup is left alone.
 *  - launchd, AbandonProcessGroup=true: SIGTERM to the job's process only; without
 *    the key it would also kill every process left in the job's process group.
 *
 * The test plays the manager: a stand-in watchdog launches a job through the real
 * Launcher (detached: its own session and process group), plus an ordinary child
 * in its own group. It then sends what each manager sends and looks at who is left.
 *
 * What it does not prove: it runs no systemd or launchd, and it cannot show the
 * cgroup kill of systemd's default KillMode=control-group, which reaches a process
 * whatever its session. That is exactly why the unit must say KillMode=process; the
 * unit test asserts the key, and systemd-analyze checks the unit is accepted.
 */
import { afterAll, afterEach, expect, test } from "vitest";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { launchdAgent } from "../../../src/core/service/launchd.ts";
import { systemdUnit } from "../../../src/core/service/systemd.ts";
import { killOwned, type Owned, own } from "../../support/owned.ts";

const REPO = resolve(import.meta.dirname, "../../..");

// Launches `sleep 300` as a job exactly as `start` does, and a plain `sleep 300` child;
// on SIGTERM it exits without touching either, as `watch` does.
const WATCHDOG = `
  import { Effect } from "effect";
  import { Launcher } from "./src/services/Launcher.ts";
  const files = process.env.JOB_FILES + "/" + crypto.randomUUID();
  const launch = Effect.gen(function* () {
    return yield* (yield* Launcher).launch({
      jobId: "keeps-jobs", bin: "sleep", args: ["300"], cwd: "/", env: { PATH: process.env.PATH ?? "" },
      prompt: "", python: { kind: "none", source: "none" },
    }, files);
  });
  const job = await Effect.runPromise(launch.pipe(Effect.provide(Launcher.layer)));
  const helper = Bun.spawn(["sleep", "300"], { stdio: ["ignore", "ignore", "ignore"] });
  process.on("SIGTERM", () => process.exit(0));
  console.log(JSON.stringify({ job: job.pid, helper: helper.pid }));
  setInterval(() => {}, 60_000);
`;

/** pgid and state of a live process, or undefined once it is gone (a zombie counts as gone). */
const inspect = (pid: number): { pgid: number } | undefined => {
  const out = Bun.spawnSync(["ps", "-o", "pgid=,stat=", "-p", String(pid)]).stdout.toString().trim();
  const [pgid, stat] = out.split(/\s+/);
  return out === "" || stat?.startsWith("Z") ? undefined : { pgid: Number(pgid) };
};

const waitGone = async (pid: number) => {
  for (let i = 0; i < 100 && inspect(pid); i++) await Bun.sleep(20);
  return inspect(pid) === undefined;
};

// the jobs' own files (Codex's output, its exit status)
const JOB_FILES = mkdtempSync(join(tmpdir(), "cs-keeps-jobs-"));
afterAll(() => rmSync(JOB_FILES, { recursive: true, force: true }));

const started: Array<Owned | undefined> = [];
afterEach(() => {
  killOwned(started.splice(0));
});

const startWatchdog = async () => {
  // detached: the manager makes its service a process-group leader, and a group kill
  // below must never reach this test runner's own group.
  const watchdog = Bun.spawn([process.execPath, "-e", WATCHDOG], { cwd: REPO, env: { ...process.env, JOB_FILES }, detached: true, stdin: "ignore", stdout: "pipe", stderr: "inherit" });
  started.push(own(watchdog.pid));
  const reader = watchdog.stdout.getReader();
  const { value } = await reader.read();
  const { job, helper } = JSON.parse(new TextDecoder().decode(value)) as { job: number; helper: number };
  started.push(own(job), own(helper));
  return { watchdog, job, helper };
};

// systemd.test.ts and launchd.test.ts parse the files in full; this only ties the two together.
test("the generated files carry the settings this relies on", () => {
  const spec = { argv: ["/bin/bun", "main.ts", "watch"], workingDirectory: "/", environment: { PATH: "/bin" } };
  expect(systemdUnit({ description: "d", ...spec })).toMatch(/^\[Service\]\n(?:.+\n)*KillMode=process\n/m);
  expect(launchdAgent({ label: "l", logFile: "/l.log", ...spec })).toMatch(/<key>AbandonProcessGroup<\/key>\s*<true\/>/);
});

test("a stop that signals only the main PID (KillMode=process, AbandonProcessGroup) leaves the job running", async () => {
  const { watchdog, job, helper } = await startWatchdog();
  expect(inspect(job)!.pgid).not.toBe(watchdog.pid); // the job is in a session and group of its own
  expect(inspect(helper)!.pgid).toBe(watchdog.pid);

  process.kill(watchdog.pid, "SIGTERM");
  expect(await watchdog.exited).toBe(0);
  await Bun.sleep(200);
  expect(inspect(job)).toBeDefined();
  expect(inspect(helper)).toBeDefined(); // nothing but the main PID was signalled
});

test("even the process-group kill launchd does without AbandonProcessGroup misses the detached job", async () => {
  const { watchdog, job, helper } = await startWatchdog();
  process.kill(watchdog.pid, "SIGTERM");
  await watchdog.exited;
  process.kill(-watchdog.pid, "SIGKILL"); // what launchd would do to the rest of the job's group
  expect(await waitGone(helper)).toBe(true); // the control: the group kill is real
  expect(inspect(job)).toBeDefined();
});
