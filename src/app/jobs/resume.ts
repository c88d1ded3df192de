import { LaunchError } from "../../core/errors.ts";
import { isFinal, type Job } from "../../core/job.ts";
import type { PythonRequest } from "../../core/python.ts";
import { refreshJob } from "./refresh.ts";
import { startJob } from "./start.ts";
import { fn } from "../../core/fn.ts";

/** What a resumed job is told when the caller gives no prompt. */
export const DEFAULT_RESUME_PROMPT = "Continue.";

export interface ResumeRequest {
  /** The job whose Codex thread is continued. */
  readonly job: Job;
  readonly prompt?: string | undefined;
  readonly name?: string | undefined;
  /** Overrides the first job's Python; without it the new job runs with the same one. */
  readonly python?: PythonRequest | undefined;
  readonly extraArgs?: ReadonlyArray<string> | undefined;
  readonly settleMs?: number;
}

/** The first job's Python, asked for again: an explicit choice stays explicit, anything else is found again. */
const samePython = (job: Job): PythonRequest => {
  const { python } = job;
  if (python.source !== "option") return {};
  if (python.kind === "none") return { noVenv: true };
  return python.kind === "venv" ? { venv: python.venv } : { python: python.python };
};

/**
 * Continues a job's Codex thread (`codex exec resume <thread> -`) as a new tracked job
 * in the same directory, recording which job it continues. A thread has one writer at a
 * time, so a job still running is refused rather than raced.
 */
export const resumeJob = fn("resumeJob")(function* (request: ResumeRequest) {
  const { job } = yield* refreshJob(request.job);
  const short = job.id.slice(0, 8);
  if (!isFinal(job.status)) {
    return yield* new LaunchError({ reason: `job ${short} is still running; wait for it to end (or kill it) before resuming its thread` });
  }
  if (!job.threadId) {
    return yield* new LaunchError({ reason: `job ${short} has no Codex thread to resume (Codex never started one)` });
  }
  const python = request.python && Object.values(request.python).some((v) => v !== undefined && v !== false)
    ? request.python
    : samePython(job);
  return yield* startJob({
    prompt: request.prompt ?? DEFAULT_RESUME_PROMPT,
    cwd: job.cwd,
    name: request.name,
    python,
    extraArgs: request.extraArgs ?? [],
    resume: { jobId: job.id, threadId: job.threadId },
    ...(request.settleMs === undefined ? {} : { settleMs: request.settleMs }),
  });
});
