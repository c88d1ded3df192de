import * as Effect from "effect/Effect";
import type { Job } from "../core/job.ts";
import { killerOf, killRecordPending } from "../app/jobs/killer.ts";
import { shortId } from "../app/text/fit.ts";

/** How a followed job ended: its final state, its exit code when known, and who killed it. */
export interface JobEnding {
  readonly job: Job;
  /** Who asked for the kill ("kill command", "policy idle", "MCP codex_kill"), from the job's kill event. */
  readonly killedBy: string | undefined;
}

/**
 * The job's end as the store knows it, with who killed it when a kill ended it. This process may
 * see the tree gone (and the job killed) before the `kill` that asked for it, in another process,
 * has recorded its event: while that kill's request is recent, it waits for the event.
 */
export const jobEnding = (job: Job) => Effect.gen(function* () {
  let killer = yield* killerOf(job);
  while (killRecordPending(job, killer, Date.now())) {
    yield* Effect.sleep("100 millis");
    killer = yield* killerOf(job);
  }
  return { job, killedBy: killer.by } satisfies JobEnding;
});

/** `job 1a2b3c4d ended: killed by the kill command (exit code unknown)`. */
export const endingText = ({ job, killedBy }: JobEnding): string => {
  const by = job.status === "killed" ? ` by ${killedBy ? `the ${killedBy}` : "someone else (no kill was recorded)"}` : "";
  const code = job.exitCode === undefined ? "exit code unknown" : `exit code ${job.exitCode}`;
  return `job ${shortId(job.id)} ended: ${job.status}${by} (${code})`;
};

/** The last line of `logs --follow --json`: how the job ended (docs/json.md). */
export const endingJson = ({ job, killedBy }: JobEnding) => ({
  at: job.endedAt === undefined ? null : new Date(job.endedAt).toISOString(),
  kind: "job_ended" as const,
  jobId: job.id,
  status: job.status,
  exitCode: job.exitCode ?? null,
  killedBy: killedBy ?? null,
});
