import type { Job, JobStatus } from "./job.ts";

/** How a job ended, for the policies that fire on it (`when.ended`). */
export interface SubjectEnd {
  readonly status: JobStatus;
  /** Epoch ms: when Codex exited. */
  readonly at: number;
  readonly exitCode: number | undefined;
  /** Who asked for the kill that ended it: `kill command`, `policy NAME`, `MCP codex_kill`. */
  readonly killedBy: string | undefined;
  /** Why, when a policy killed it: what its decision said (`ran 46m (over 45m)`). */
  readonly killReason: string | undefined;
  readonly lastAgentMessage: string | undefined;
}

/**
 * What a policy judges: one of the supervisor's jobs, or a Codex program it did
 * not start. Built fresh each tick from one process-table snapshot.
 */
export interface Subject {
  /** Stable across ticks: the job id, or `pid:<pid>:<start>` for an untracked program. */
  readonly key: string;
  readonly tracked: boolean;
  /** The job, for tracked subjects. */
  readonly job: Job | undefined;
  readonly name: string | undefined;
  readonly cwd: string | undefined;
  /** Codex kind: exec, exec-resume, app-server, mcp-server, tui, … */
  readonly kind: string;
  /** The root PID (the launcher when there is one) and every live PID of the tree. */
  readonly pid: number;
  readonly pids: ReadonlyArray<number>;
  readonly threadId: string | undefined;
  /** Epoch ms: the job's start (not the watchdog's), or the program's start. */
  readonly startedAt: number;
  /** Resident memory of the whole tree, bytes. */
  readonly rss: number;
  /** CPU percent of the whole tree since the previous tick (100 = one core). */
  readonly cpu: number;
  /** CPU time the live tree has used so far, ms: what idleness is judged by. */
  readonly cpuTimeMs: number;
  /** Its launcher is gone or its parent is init. */
  readonly orphaned: boolean;
  /** Epoch ms of the last record in its history, when known. */
  readonly lastActivityAt: number | undefined;
  /** Total tokens its thread has used, when known. */
  readonly tokens: number | undefined;
  /** Set only for an ended job judged by `when.ended` policies; a live subject has none. */
  readonly end?: SubjectEnd | undefined;
  /** Python problems seen: interpreters outside the project's env, repeated missing modules. */
  readonly python: {
    readonly foreignInterpreters: ReadonlyArray<string>;
    readonly repeatedMissingModules: ReadonlyArray<string>;
  };
}
