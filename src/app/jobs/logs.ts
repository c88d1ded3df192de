import * as Effect from "effect/Effect";
import { HistoryError } from "../../core/errors.ts";
import { fn } from "../../core/fn.ts";
import type { HistoryEvent } from "../../core/history/records.ts";
import { isFinal, type Job } from "../../core/job.ts";
import { refreshJob } from "./refresh.ts";

/** What a person wants to read: not the instructions Codex injects, nor records this version skips. */
export const readable = (e: HistoryEvent) => e.kind !== "context" && e.kind !== "unknown" && e.kind !== "turn_context" && e.kind !== "malformed";

export const awaitRollout = fn("awaitRollout")(function* (job: Job, follow: boolean) {
  let current = (yield* refreshJob(job)).job;
  // a job just started may not have its thread yet; --follow waits for it
  while (follow && !current.rolloutPath && !isFinal(current.status)) {
    yield* Effect.sleep(200);
    current = (yield* refreshJob(current)).job;
  }
  if (!current.rolloutPath) {
    return yield* new HistoryError({ path: current.codexHome, reason: `no Codex history found for job ${current.id.slice(0, 8)} (${current.status})` });
  }
  return { job: current, path: current.rolloutPath };
});
