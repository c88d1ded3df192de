import type { JobCgroup } from "./cgroup.ts";
import type { ProcessIdentity } from "./process.ts";

/** `failed`: Codex exited with a non-zero status (not killed, no turn completed); `exited`: it exited 0 without finishing one. */
export type JobStatus = "starting" | "running" | "completed" | "aborted" | "killed" | "failed" | "exited";
export const FINAL_STATUSES: ReadonlyArray<JobStatus> = ["completed", "aborted", "killed", "failed", "exited"];
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
  /** sha256 of the trimmed prompt: tells this job's thread from a neighbour's, never the prompt itself. */
  readonly promptDigest?: string | undefined;
  /** The cgroups the job runs in (Linux, where one could be made): kill ends every process in them. */
  readonly cgroup?: JobCgroup | undefined;
}

/** The environment variable (and -c override) that marks every process of a job. */
export const JOB_MARKER = "CODEX_SUPERVISOR_JOB_ID";
