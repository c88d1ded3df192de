/**
 * The public types of the programmatic API: the JSON shapes the CLI's `--json` prints, and the
 * options of each operation. Type-only imports: this file runs under Node as well as Bun.
 */
import type { detailJson, jobEntryJson, jobJson, killJson, untrackedJson } from "../app/text/views.ts";
import type { JobStatus } from "../core/job.ts";
import type { HistoryEvent } from "../core/history/records.ts";
import type { JobEvent } from "../services/db/rows.ts";

export type { JobStatus } from "../core/job.ts";

/** `start --json`, `resume --json`. */
export type JobJson = ReturnType<typeof jobJson>;
/** `status --json`. */
export type JobDetailJson = ReturnType<typeof detailJson>;
/** One job of `list --json`. */
export type JobEntryJson = ReturnType<typeof jobEntryJson>;
/** One Codex program of `list --json` that the supervisor did not start. */
export type UntrackedJson = ReturnType<typeof untrackedJson>;
/** `list --json`. */
export interface ListJson {
  readonly jobs: ReadonlyArray<JobEntryJson>;
  readonly untracked: ReadonlyArray<UntrackedJson>;
  /** What the process table could not read (`open files … (lsof not found)`); empty when it read everything. */
  readonly unchecked: ReadonlyArray<string>;
}
/** `kill --json`. */
export type KillJson = ReturnType<typeof killJson>;

type Jsonified<E> = E extends { readonly at: infer _ } ? Omit<E, "at"> & { readonly at: string | null } : never;
/** One line of `logs --json`: a normalized event of the job's Codex history. */
export type LogEvent = Jsonified<HistoryEvent>;

/** One line of `events --json`: what the watchdog and kills decided and did. */
export interface EventJson {
  readonly id: number;
  readonly at: string;
  readonly jobId?: string;
  readonly pid?: number;
  readonly kind: JobEvent["kind"];
  readonly policy?: string;
  readonly action?: string;
  readonly message: string;
  readonly data?: unknown;
}

export interface SupervisorOptions {
  /** The directory whose config applies, and where jobs run unless `start` names another (default: process.cwd()). */
  readonly cwd?: string;
  /** A config file to load instead of searching upward from `cwd` (the CLI's `--config`). */
  readonly config?: string;
  /** The supervisor's database (default: the config's `database.path`, or CODEX_SUPERVISOR_DB). */
  readonly database?: string;
  /** The CODEX_HOME jobs run with and whose history is read (default: the config's `codex.home`). */
  readonly codexHome?: string;
}

export interface PythonChoice {
  /** A virtualenv the job's tool commands use (`--venv`). */
  readonly venv?: string;
  /** A Python interpreter (`--python`). */
  readonly python?: string;
  /** No venv, whatever the project has (`--no-venv`). */
  readonly noVenv?: boolean;
}

export interface StartOptions extends PythonChoice {
  readonly prompt: string;
  /** Where the job runs (default: the supervisor's cwd). */
  readonly cwd?: string;
  readonly name?: string;
  /** Extra `codex exec` arguments (what follows `--` on the command line). */
  readonly args?: ReadonlyArray<string>;
}

export interface ResumeOptions extends PythonChoice {
  /** Default "Continue.". */
  readonly prompt?: string;
  readonly name?: string;
  readonly args?: ReadonlyArray<string>;
}

export interface ListOptions {
  /** Ended jobs too (`--all`). */
  readonly all?: boolean;
}

export interface LogsOptions {
  /** Only the last N events. */
  readonly tail?: number;
}

export interface KillOptions {
  /** Time between SIGTERM and SIGKILL: "5s", "500ms" or milliseconds (default 5s). */
  readonly grace?: string | number;
}

export interface EventsOptions {
  /** Only this job's events (an id, a unique prefix or a name). */
  readonly job?: string;
  /** The newest N events to begin with (default 100). */
  readonly limit?: number;
  /** Keep yielding new events until the loop stops or the supervisor closes. */
  readonly follow?: boolean;
}

export interface WaitOptions {
  /** The statuses to wait for (default: any final one: completed, aborted, killed, exited). */
  readonly status?: JobStatus | ReadonlyArray<JobStatus>;
  /** Reject with a WaitTimeout error after this long (default: wait as long as it takes). */
  readonly timeoutMs?: number;
}

/** The Promise API: every failure rejects with a SupervisorError carrying the CLI's message. */
export interface Supervisor {
  start(options: StartOptions): Promise<JobJson>;
  list(options?: ListOptions): Promise<ListJson>;
  status(job: string): Promise<JobDetailJson>;
  logs(job: string, options?: LogsOptions): Promise<ReadonlyArray<LogEvent>>;
  /** The job's history, then each new event as Codex writes it; ends when the job ends (`logs --follow --json`). */
  followLogs(job: string, options?: LogsOptions): AsyncIterable<LogEvent>;
  kill(job: string, options?: KillOptions): Promise<KillJson>;
  resume(job: string, options?: ResumeOptions): Promise<JobJson>;
  events(options?: EventsOptions): AsyncIterable<EventJson>;
  /** Polls the job until its status is one asked for; resolves with its `status --json`. */
  waitFor(job: string, options?: WaitOptions): Promise<JobDetailJson>;
  /** Stops every follow and wait, closes the database: nothing is left to keep the process alive. */
  close(): Promise<void>;
}
