import type { JobCgroup } from "../../core/cgroup.ts";
import type { Job, JobStatus, PythonEnv } from "../../core/job.ts";
import type { ProcessIdentity } from "../../core/process.ts";

/** One `jobs` row, column for column. */
export type JobRow = {
  id: string;
  name: string | null;
  cwd: string;
  status: string;
  created_at: number;
  ended_at: number | null;
  codex_bin: string;
  codex_home: string;
  args_json: string;
  python_json: string;
  launcher_pid: number;
  launcher_start: string;
  native_pid: number | null;
  native_start: string | null;
  boot_id: string;
  uid: number;
  thread_id: string | null;
  rollout_path: string | null;
  resumed_from: string | null;
  exit_code: number | null;
  kill_requested_at: number | null;
  prompt_digest: string | null;
  cgroup_json: string | null;
};

/** The fields of a job that change after it is recorded; an explicit `undefined` clears one. */
export interface JobPatch {
  readonly status?: JobStatus;
  readonly endedAt?: number | undefined;
  readonly native?: ProcessIdentity | undefined;
  readonly threadId?: string | undefined;
  readonly rolloutPath?: string | undefined;
  readonly exitCode?: number | undefined;
  readonly killRequestedAt?: number | undefined;
}

export const JOB_COLUMNS = [
  "id", "name", "cwd", "status", "created_at", "ended_at", "codex_bin", "codex_home", "args_json",
  "python_json", "launcher_pid", "launcher_start", "native_pid", "native_start", "boot_id", "uid",
  "thread_id", "rollout_path", "resumed_from", "exit_code", "kill_requested_at",
  "prompt_digest", "cgroup_json",
] as const satisfies ReadonlyArray<keyof JobRow>;

const nullable = <A>(value: A | undefined): A | null => (value === undefined ? null : value);
const optional = <A>(value: A | null): A | undefined => (value === null ? undefined : value);

// The native process shares the launcher's boot and owner, so only its pid and start are stored.
export const jobToRow = (job: Job): JobRow => ({
  id: job.id,
  name: nullable(job.name),
  cwd: job.cwd,
  status: job.status,
  created_at: job.createdAt,
  ended_at: nullable(job.endedAt),
  codex_bin: job.codexBin,
  codex_home: job.codexHome,
  args_json: JSON.stringify(job.args),
  python_json: JSON.stringify(job.python),
  launcher_pid: job.launcher.pid,
  launcher_start: job.launcher.startTime,
  native_pid: nullable(job.native?.pid),
  native_start: nullable(job.native?.startTime),
  boot_id: job.launcher.bootId,
  uid: job.launcher.uid,
  thread_id: nullable(job.threadId),
  rollout_path: nullable(job.rolloutPath),
  resumed_from: nullable(job.resumedFrom),
  exit_code: nullable(job.exitCode),
  kill_requested_at: nullable(job.killRequestedAt),
  prompt_digest: nullable(job.promptDigest),
  cgroup_json: job.cgroup ? JSON.stringify(job.cgroup) : null,
});

// `list --all` turns 100,000 rows into jobs at a time: the Python env, which most jobs share,
// is parsed once per distinct text (jobs are read-only, so they can share it).
const pythons = new Map<string, PythonEnv>();
const pythonOf = (text: string): PythonEnv => {
  let python = pythons.get(text);
  if (!python) {
    if (pythons.size >= 256) pythons.clear();
    pythons.set(text, (python = JSON.parse(text) as PythonEnv));
  }
  return python;
};

// `list --all` turns every row into a job and shows no job's arguments: they are parsed the first
// time they are read (an array of strings per job is most of what the conversion allocated).
export const rowToJob = (row: JobRow): Job => {
  const argsJson = row.args_json;
  let args: ReadonlyArray<string> | undefined;
  return {
    id: row.id,
    name: optional(row.name),
    cwd: row.cwd,
    status: row.status as JobStatus,
    createdAt: row.created_at,
    endedAt: optional(row.ended_at),
    codexBin: row.codex_bin,
    codexHome: row.codex_home,
    get args() {
      return (args ??= JSON.parse(argsJson) as ReadonlyArray<string>);
    },
    python: pythonOf(row.python_json),
    launcher: { pid: row.launcher_pid, startTime: row.launcher_start, bootId: row.boot_id, uid: row.uid },
    native:
      row.native_pid === null || row.native_start === null
        ? undefined
        : { pid: row.native_pid, startTime: row.native_start, bootId: row.boot_id, uid: row.uid },
    threadId: optional(row.thread_id),
    rolloutPath: optional(row.rollout_path),
    resumedFrom: optional(row.resumed_from),
    exitCode: optional(row.exit_code),
    killRequestedAt: optional(row.kill_requested_at),
    promptDigest: optional(row.prompt_digest),
    cgroup: row.cgroup_json === null ? undefined : (JSON.parse(row.cgroup_json) as JobCgroup),
  };
};

/** The columns a patch sets, by name; only the keys present in the patch. */
export const patchToColumns = (patch: JobPatch): Record<string, string | number | null> => {
  const columns: Record<string, string | number | null> = {};
  if ("status" in patch && patch.status !== undefined) columns.status = patch.status;
  if ("endedAt" in patch) columns.ended_at = nullable(patch.endedAt);
  if ("native" in patch) {
    columns.native_pid = nullable(patch.native?.pid);
    columns.native_start = nullable(patch.native?.startTime);
  }
  if ("threadId" in patch) columns.thread_id = nullable(patch.threadId);
  if ("rolloutPath" in patch) columns.rollout_path = nullable(patch.rolloutPath);
  if ("exitCode" in patch) columns.exit_code = nullable(patch.exitCode);
  if ("killRequestedAt" in patch) columns.kill_requested_at = nullable(patch.killRequestedAt);
  return columns;
};

/** One `events` row. */
export type EventRow = {
  id: number;
  at: number;
  job_id: string | null;
  pid: number | null;
  kind: string;
  policy: string | null;
  action: string | null;
  message: string;
  data_json: string | null;
};

/** What an event is about; open-ended so a newer version's kinds still read back. */
export type EventKind = "kill" | "decision" | "action" | "error" | "state" | (string & {});

/** An event to record: about a job, a process no job owns, or the watchdog itself. */
export interface NewEvent {
  readonly jobId?: string | undefined;
  readonly pid?: number | undefined;
  readonly kind: EventKind;
  readonly policy?: string | undefined;
  readonly action?: string | undefined;
  readonly message: string;
  /** Anything JSON can hold; stored as JSON. */
  readonly data?: unknown;
  /** When it happened, epoch ms, if not now (an event kept while the database could not be written). */
  readonly at?: number | undefined;
}

/** A recorded event; `id` increases in the order events were appended. */
export interface JobEvent {
  readonly id: number;
  /** Epoch milliseconds. */
  readonly at: number;
  readonly jobId: string | undefined;
  readonly pid: number | undefined;
  readonly kind: EventKind;
  readonly policy: string | undefined;
  readonly action: string | undefined;
  readonly message: string;
  readonly data: unknown;
}

export const eventToRow = (event: NewEvent, at: number): Omit<EventRow, "id"> => ({
  at,
  job_id: nullable(event.jobId),
  pid: nullable(event.pid),
  kind: event.kind,
  policy: nullable(event.policy),
  action: nullable(event.action),
  message: event.message,
  data_json: event.data === undefined ? null : (JSON.stringify(event.data) ?? null),
});

export const rowToEvent = (row: EventRow): JobEvent => ({
  id: row.id,
  at: row.at,
  jobId: optional(row.job_id),
  pid: optional(row.pid),
  kind: row.kind,
  policy: optional(row.policy),
  action: optional(row.action),
  message: row.message,
  data: row.data_json === null ? undefined : (JSON.parse(row.data_json) as unknown),
});
