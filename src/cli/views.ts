import type { Job } from "../core/job.ts";
import type { KillOutcome } from "../core/jobs/kill.ts";
import type { JobEntry, UntrackedEntry } from "../core/jobs/list.ts";
import type { JobEvent } from "../services/JobStore.ts";

/** The JSON shapes printed by `--json` (and returned by the MCP tools): docs/json.md, checked by src/cli/jsonShapes.ts. */
export const jobJson = (job: Job) => ({
  jobId: job.id,
  name: job.name ?? null,
  status: job.status,
  pid: job.launcher.pid,
  nativePid: job.native?.pid ?? null,
  threadId: job.threadId ?? null,
  cwd: job.cwd,
  startedAt: new Date(job.createdAt).toISOString(),
  endedAt: job.endedAt ? new Date(job.endedAt).toISOString() : null,
  exitCode: job.exitCode ?? null,
  python: job.python,
  resumedFrom: job.resumedFrom ?? null,
  rolloutPath: job.rolloutPath ?? null,
});

// Object.assign adds four keys to the job's view where a spread would copy all seventeen: `list --all` makes 100,000.
export const jobEntryJson = (entry: JobEntry) => Object.assign(jobJson(entry.job), {
  pids: entry.pids,
  cpu: entry.cpu,
  memory: entry.memory,
  elapsedMs: (entry.job.endedAt ?? Date.now()) - entry.job.createdAt,
});

export const untrackedJson = (entry: UntrackedEntry) => ({
  pid: entry.pid,
  pids: entry.pids,
  kind: entry.kind,
  command: entry.command,
  cpu: entry.cpu,
  memory: entry.memory,
  startedAt: new Date(entry.startedAt).toISOString(),
  threadId: entry.threadId ?? null,
  cwd: entry.cwd ?? null,
  claimedJobId: entry.claimedJobId ?? null,
});

export const killJson = ({ job, result, report }: KillOutcome) => ({
  ...jobJson(job),
  result,
  members: report?.members ?? [],
  survivors: report?.survivors ?? [],
  /** Why each survivor is left. */
  survivorReasons: report?.survivorReasons ?? [],
  elapsedMs: report?.elapsedMs ?? 0,
});

/** `123 (refused: …), 456 (still running after SIGKILL)`: what a kill left, and why. */
export const survivorList = (survivors: ReadonlyArray<{ readonly pid: number; readonly reason: string }>) =>
  survivors.map((s) => `${s.pid} (${s.reason})`).join(", ");

/** One line of `events --json`: every key on every line, `null` where the event has none. */
export const eventJson = (e: JobEvent) => ({
  id: e.id,
  at: new Date(e.at).toISOString(),
  kind: e.kind,
  jobId: e.jobId ?? null,
  pid: e.pid ?? null,
  policy: e.policy ?? null,
  action: e.action ?? null,
  message: e.message,
  data: e.data ?? null,
});
