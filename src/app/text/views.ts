import { constants } from "node:os";
import type { Job, PythonEnv } from "../../core/job.ts";
import type { JobDetail } from "../jobs/inspect.ts";
import type { JobOutput } from "../jobs/output.ts";
import { failureMessage } from "../../core/output.ts";
import type { KillOutcome } from "../jobs/kill.ts";
import type { JobEntry, UntrackedEntry } from "../jobs/list.ts";
import type { JobEvent } from "../../services/JobStore.ts";

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

const NONE: ReadonlyArray<never> = Object.freeze([]);

// Object.assign adds six keys to the job's view where a spread would copy all seventeen: `list --all` makes 100,000.
export const jobEntryJson = (entry: JobEntry) => Object.assign(jobJson(entry.job), {
  pids: entry.pids,
  strays: entry.strays,
  nestedCodex: entry.nested.length === 0 ? NONE : entry.nested.map((n) => ({ pid: n.pid, pids: n.pids, kind: n.kind, threadId: n.threadId ?? null })),
  cpu: entry.cpu,
  memory: entry.memory,
  elapsedMs: (entry.job.endedAt ?? Date.now()) - entry.job.createdAt,
});

/** A job's status as a table shows it: an ended job whose strays live on says so. */
export const statusText = (entry: Pick<JobEntry, "job" | "strays">): string =>
  entry.strays.length > 0 && entry.job.status !== "running" ? `${entry.job.status}, strays` : entry.job.status;

/** An untracked program's kind as a table shows it: a dead TUI's app-server says whose it was. */
export const kindText = (entry: Pick<UntrackedEntry, "kind" | "leftoverOf">): string =>
  entry.leftoverOf ? `${entry.kind} (left by a dead ${entry.leftoverOf})` : entry.kind;

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
  leftoverOf: entry.leftoverOf ?? null,
});

export const killJson = ({ job, result, report, unrecorded }: KillOutcome) => ({
  ...jobJson(job),
  result,
  members: report?.members ?? [],
  survivors: report?.survivors ?? [],
  /** Why each survivor is left. */
  survivorReasons: report?.survivorReasons ?? [],
  /** What the kill could not check (a possible stray's unreadable environment, lsof missing): empty when it proved everything. */
  unchecked: report?.unchecked ?? [],
  elapsedMs: report?.elapsedMs ?? 0,
  /** Whether the kill is in the database (false: the signals went out, the record could not be written). */
  recorded: unrecorded === undefined,
});

/** `123 (refused: …), 456 (still running after SIGKILL)`: what a kill left, and why. */
export const survivorList = (survivors: ReadonlyArray<{ readonly pid: number; readonly reason: string }>) =>
  survivors.map((s) => `${s.pid} (${s.reason})`).join(", ");

const SIGNALS = new Map(Object.entries(constants.signals).map(([name, n]) => [n as number, name]));

/**
 * A job's state with how it ended: `failed (exit 2)`, `killed (SIGTERM, exit 143)`. A shell reports
 * death by signal N as 128+N, which only a kill makes the likely reading.
 */
export const describeStatus = (job: Job): string => {
  if (job.exitCode === undefined) return job.status;
  const signal = job.status === "killed" && job.exitCode > 128 ? SIGNALS.get(job.exitCode - 128) : undefined;
  return `${job.status} (${signal ? `${signal}, ` : ""}exit ${job.exitCode})`;
};

/** A job and where its Codex output is, with the last lines of its stderr: `status --json`, the MCP tools. */
export const jobOutputJson = (output: JobOutput) => ({
  stderrTail: output.stderrTail,
  stdoutFile: output.stdoutFile,
  stderrFile: output.stderrFile,
});

/** Launches that did not stay up: Codex's own words, never "started". */
export const isFailedLaunch = (job: Job): boolean => job.status !== "running" && job.status !== "completed";

export const failedLaunchText = (job: Job, output: JobOutput): string => {
  const said = failureMessage(output.stderrTail);
  return [
    `codex exited at once${job.exitCode !== undefined ? ` with code ${job.exitCode}` : ""} (job ${job.id.slice(0, 8)} recorded as ${job.status})${said.length > 0 ? "; Codex said:" : ""}`,
    ...said.map((line) => `  ${line}`),
    ...(said.length === 0 ? [`  Codex printed nothing on its stderr; its stdout is in ${output.stdoutFile}`] : []),
  ].join("\n");
};

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

export const describePython = (python: PythonEnv): string => {
  const why = { option: "from the command line", config: "from the config", discovered: "found in the project", caller: "the caller's VIRTUAL_ENV", none: "" }[python.source];
  if (python.kind === "none") return "no venv: tool commands use the PATH's python";
  return `${python.python}${python.venv ? ` (venv ${python.venv}, ${why})` : ` (${why})`}`;
};

/** `status`'s JSON: the job with its tree, usage and what its history says. */
export const detailJson = (d: JobDetail) => ({
  ...jobJson(d.job),
  pids: d.tree.map((p) => p.pid),
  strays: d.strays,
  cpu: d.cpu,
  memory: d.memory,
  elapsedMs: (d.job.endedAt ?? Date.now()) - d.job.createdAt,
  cliVersion: d.history?.cliVersion ?? null,
  lastActivityAt: d.history?.lastActivityAt ?? null,
  turnState: d.history?.state ?? null,
  tokens: d.history?.tokens ?? null,
  lastAgentMessage: d.history?.lastAgentMessage ?? null,
  historyProblem: d.historyProblem ?? null,
  unchecked: d.unchecked,
  tree: d.tree.map((p) => ({ pid: p.pid, ppid: p.ppid, sid: p.sid, state: p.state, memory: p.rssBytes, command: p.argv.join(" ") || p.name })),
  ...jobOutputJson(d.output),
});
