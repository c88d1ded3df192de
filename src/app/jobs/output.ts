import * as Effect from "effect/Effect";
import type { Job } from "../../core/job.ts";
import { tailLines } from "../../core/output.ts";
import { JobStore } from "../../services/JobStore.ts";
import { jobFilePaths, readTail } from "../../services/jobFiles.ts";
import { fn } from "../../core/fn.ts";

export interface JobOutput {
  readonly stdoutFile: string;
  readonly stderrFile: string;
  /** The last lines of Codex's stderr (what it says when it cannot reach its model, or refuses to start). */
  readonly stderrTail: ReadonlyArray<string>;
}

// enough for the last lines even when Codex echoes a long prompt just before them
const TAIL_BYTES = 16 * 1024;

/** Where a job's Codex output is kept, and the last lines of its stderr. */
export const jobOutput = fn("jobOutput")(function* (job: Job) {
  const store = yield* JobStore;
  const paths = jobFilePaths(store.filesDir(job.id));
  const stderr = yield* Effect.sync(() => readTail(paths.stderr, TAIL_BYTES));
  return { stdoutFile: paths.stdout, stderrFile: paths.stderr, stderrTail: stderr ? tailLines(stderr) : [] } satisfies JobOutput;
});

/** All of Codex's stderr that is kept (at most the cap), undefined when the job has none on file. */
export const jobStderr = fn("jobStderr")(function* (job: Job) {
  const store = yield* JobStore;
  const path = jobFilePaths(store.filesDir(job.id)).stderr;
  return yield* Effect.sync(() => readTail(path, Number.MAX_SAFE_INTEGER));
});

/** A job with its output, as the doors show a launch. */
export const withOutput = (job: Job) => jobOutput(job).pipe(Effect.map((output) => ({ job, output })));
