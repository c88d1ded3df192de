import { statSync } from "node:fs";
import { resolve } from "node:path";
import * as Effect from "effect/Effect";
import { LaunchError } from "../../core/errors.ts";
import { JOB_MARKER, type Job, type PythonEnv } from "../../core/job.ts";
import { execArgs, type LaunchSpec } from "../../core/launch.ts";
import { identityOf } from "../../core/process.ts";
import { choosePython, type PythonRequest, pythonProblem } from "../../core/python.ts";
import { JobStore } from "../../services/JobStore.ts";
import { Launcher } from "../../services/Launcher.ts";
import { removeJobFiles } from "../../services/jobFiles.ts";
import { canReadOpenFiles, ProcessTable } from "../../services/ProcessTable.ts";
import { Settings } from "../../services/Settings.ts";
import { pluginErrorText, runBeforeLaunch } from "../../hooks/host.ts";
import { pluginsForConfig } from "../../hooks/forConfig.ts";
import { endJobCgroup, prepareJobCgroup, releaseJobCgroup, sweepJobCgroups } from "./cgroup.ts";
import { killTree } from "./killTree.ts";
import { refreshJob } from "./refresh.ts";
import type { JobSighting } from "./sighting.ts";
import { isCodexLauncher, isNativeCodex } from "../../core/codex.ts";
import { isExecShell } from "../../core/waiter.ts";
import { fn } from "../../core/fn.ts";
import { promptDigest } from "../../core/threadMatch.ts";
import { failureMessage } from "../../core/output.ts";
import { jobOutput } from "./output.ts";

export interface StartRequest {
  readonly prompt: string;
  readonly cwd: string;
  readonly name?: string | undefined;
  readonly python: PythonRequest;
  readonly extraArgs: ReadonlyArray<string>;
  /** The job this one continues: its thread is resumed. */
  readonly resume?: { readonly jobId: string; readonly threadId: string } | undefined;
  /** How long to wait for the native Codex and its thread to show before returning. */
  readonly settleMs?: number;
}

/** How long `start` waits for a running native Codex to open its thread before saying it started. */
const THREAD_SETTLE_MS = 20_000;

const probe = { isFile: (path: string) => { try { return statSync(path).isFile(); } catch { return false; } } };

const isDirectory = (path: string) => { try { return statSync(path).isDirectory(); } catch { return false; } };

/**
 * Launches `codex exec` detached, records the job before returning, then waits a
 * moment (`settleMs`) for the native Codex and its thread so they can be recorded too.
 */
export const startJob = fn("startJob")(function* (request: StartRequest) {
  const settings = yield* Settings;
  const store = yield* JobStore;
  const launcher = yield* Launcher;
  const table = yield* ProcessTable;
  const cwd = resolve(request.cwd);
  if (!isDirectory(cwd)) return yield* new LaunchError({ reason: `working directory ${cwd} does not exist` });
  if (request.prompt.trim() === "") return yield* new LaunchError({ reason: "the prompt is empty" });
  const python: PythonEnv = choosePython(request.python, settings.python, cwd, process.env.VIRTUAL_ENV, probe);
  const problem = pythonProblem(python, probe);
  if (problem) return yield* new LaunchError({ reason: problem });

  const jobId = crypto.randomUUID();
  const resumeArgs = request.resume ? ["resume", request.resume.threadId] : [];
  const [exec, ...rest] = execArgs(jobId, settings.codexArgs, request.extraArgs);
  const draft: LaunchSpec = {
    jobId,
    bin: settings.codexBin,
    cwd,
    args: [exec!, ...resumeArgs, ...rest],
    env: { ...(process.env as Record<string, string>), [JOB_MARKER]: jobId, CODEX_HOME: settings.codexHome },
    prompt: request.prompt,
    python,
  };
  // The venv fix and every other env change come from beforeLaunch hooks (env-fixup is always loaded).
  // A failed hook fails the launch: a job started with half its env applied would be worse than none.
  const plugins = yield* pluginsForConfig({ config: settings.config, files: settings.configFiles });
  const prepared = yield* runBeforeLaunch(plugins, draft, settings.config);
  const failed = prepared.errors[0];
  if (failed) return yield* new LaunchError({ reason: pluginErrorText(failed), cause: failed });
  const spec = prepared.spec;
  // the job's own cgroup, joined by the shell that becomes Codex before Codex forks anything: kill can
  // then end every process of it, marker or not; and its limits hold from the first instruction
  yield* sweepJobCgroups();
  const cgroup = yield* prepareJobCgroup(jobId, settings.config.limits);
  const launched = yield* launcher.launch(spec, store.filesDir(jobId), { join: cgroup?.prelude }).pipe(
    Effect.tapError(() => releaseJobCgroup(cgroup?.group)),
  );
  const bootId = yield* table.bootId();
  const live = yield* table.read(launched.pid);
  const job: Job = {
    id: jobId,
    name: request.name,
    cwd,
    // one that is gone already is judged by the first refresh, from its exit status
    status: "running",
    createdAt: Date.now(),
    endedAt: undefined,
    codexBin: spec.bin,
    codexHome: settings.codexHome,
    args: spec.args,
    python,
    launcher: live ? identityOf(live, bootId) : { pid: launched.pid, startTime: "", bootId, uid: table.currentUid },
    native: undefined,
    threadId: request.resume?.threadId,
    rolloutPath: undefined,
    resumedFrom: request.resume?.jobId,
    exitCode: undefined,
    killRequestedAt: undefined,
    promptDigest: promptDigest(request.prompt),
    ...(cgroup ? { cgroup: cgroup.group } : {}),
  };
  // A job that cannot be recorded (a full disk, a read-only or newer database) must not run:
  // nothing would list it, watch it or ever kill it.
  yield* store.insert(job).pipe(Effect.tapError(() => Effect.gen(function* () {
    if (live) yield* killTree([job.launcher], { jobId, createdAt: job.createdAt, uid: table.currentUid }, 0);
    yield* endJobCgroup(job);
    // nothing records the job: nothing would ever prune its files
    yield* Effect.sync(() => removeJobFiles(store.filesDir(jobId)));
  })));

  const settleMs = request.settleMs ?? 3000;
  const deadline = Date.now() + settleMs;
  // Codex refuses some jobs only once it has read them (a prompt over its input cap), before it opens
  // a thread, and a loaded machine can take seconds to start it: while Codex runs without a thread,
  // the wait goes on, so that a refusal is told as one. (A `codex.bin` that is not Codex is not waited for.)
  const threadDeadline = Date.now() + Math.max(settleMs, THREAD_SETTLE_MS);
  let current = job;
  while (current.status === "running") {
    const refreshed = yield* refreshJob(current);
    current = refreshed.job;
    if (current.native && current.rolloutPath) break;
    // a thread is found by the rollout file Codex holds open: where open files cannot be read, not worth the wait
    if (Date.now() >= (canReadOpenFiles(table) && mayStillOpenThread(refreshed.sighting) ? threadDeadline : deadline)) break;
    yield* Effect.sleep(25);
  }
  if (current.status === "failed") yield* recordFailedStart(current);
  return { job: current, spec };
});

/** Codex's own processes (or the shell about to become Codex), which open a thread unless they refuse the job. */
const mayStillOpenThread = (sighting: JobSighting): boolean => {
  if (sighting.native) return true;
  const launcher = sighting.launcher;
  return launcher !== undefined && (isCodexLauncher(launcher) || isNativeCodex(launcher) || isExecShell(launcher.argv));
};

/** Codex gave up at once: its own words go on record with the job, for `events` and the watchdog's readers. */
const recordFailedStart = fn("recordFailedStart")(function* (job: Job) {
  const store = yield* JobStore;
  const output = yield* jobOutput(job);
  const reason = failureMessage(output.stderrTail)[0] ?? "no message on its stderr";
  yield* store.appendEvent({ jobId: job.id, kind: "state", message: `codex failed at start (exit ${job.exitCode ?? "unknown"}): ${reason}` });
});
