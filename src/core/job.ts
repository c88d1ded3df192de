import type { JobCgroup } from "./cgroup.ts";
import type { ProcessIdentity } from "./process.ts";

export type JobStatus = "starting" | "running" | "completed" | "aborted" | "killed" | "exited";
export const FINAL_STATUSES: ReadonlyArray<JobStatus> = ["completed", "aborted", "killed", "exited"];
export const isFinal = (s: JobStatus): boolean => FINAL_STATUSES.includes(s);

/** The Python a job's tool commands run with, and why that one. */
export interface PythonEnv {
  readonly kind: "venv" | "python" | "inherited" | "none";
  /** The venv directory (VIRTUAL_ENV) when there is one. */
  readonly venv?: string;
  /** The interpreter `python` resolves to inside the job. */
  readonly python?: string;
  readonly source: "option" | "config" | "discovered" | "caller" | "none";
}

/** A job as recorded in the database. Never holds environment variables or secrets. */
export interface Job {
  readonly id: string;
  readonly name: string | undefined;
  readonly cwd: string;
  readonly status: JobStatus;
  readonly createdAt: number;
  readonly endedAt: number | undefined;
  readonly codexBin: string;
  readonly codexHome: string;
  readonly args: ReadonlyArray<string>;
  readonly python: PythonEnv;
  readonly launcher: ProcessIdentity;
  readonly native: ProcessIdentity | undefined;
  readonly threadId: string | undefined;
  readonly rolloutPath: string | undefined;
  /** The job this one continues (`resume`). */
  readonly resumedFrom: string | undefined;
  readonly exitCode: number | undefined;
  /** Set when the supervisor started killing the job: its end is then `killed`. */
  readonly killRequestedAt: number | undefined;
  /** The cgroups the job runs in (Linux, where one could be made): kill ends every process in them. */
  readonly cgroup?: JobCgroup | undefined;
}

/** The environment variable (and -c override) that marks every process of a job. */
export const JOB_MARKER = "CODEX_SUPERVISOR_JOB_ID";
