import { realpathSync } from "node:fs";
import * as Effect from "effect/Effect";
import { type Job, type JobStatus, isFinal } from "../../core/job.ts";
import { CodexHistory } from "../../services/CodexHistory.ts";
import { type FinalStatus, JobStore, type JobPatch } from "../../services/JobStore.ts";
import { ProcessTable } from "../../services/ProcessTable.ts";
import { trimJobOutput } from "../../services/jobFiles.ts";
import { type JobEnd, jobEnd } from "./end.ts";
import { type Observation, observe } from "./observe.ts";
import { ownRollout } from "../../core/codex.ts";
import { type JobSighting, sightJob } from "./sighting.ts";
import { fn } from "../../core/fn.ts";
import { matchThread, promptDigest, THREAD_CLOCK_SLACK_MS, THREAD_WINDOW_MS } from "../../core/threadMatch.ts";
import { releaseEndedJobCgroup, releaseJobCgroup } from "./cgroup.ts";

const realHome = (home: string) => { try { return realpathSync(home); } catch { return home; } };

export interface RefreshedJob {
  readonly job: Job;
  readonly sighting: JobSighting;
}

/**
 * Brings one job's record up to date with the facts: which of its processes are
 * alive (by identity), its native Codex and thread once they appear, and, once
 * nothing of it runs, its final state from the history Codex wrote.
 */
export const refreshJob = fn("refreshJob")(function* (job: Job, given?: Observation) {
  const obs = given ?? (yield* observe());
  const sighting = sightJob(job, obs.byPid, obs.children, obs.bootId, obs.uid);
  if (isFinal(job.status)) {
    yield* releaseEndedJobCgroup(job, obs.at);
    return { job, sighting } satisfies RefreshedJob;
  }
  // Recorded after this look began: its launcher (spawned just before the record) may have
  // started after the look read that PID. Not seeing it proves nothing; the next look judges.
  if (!sighting.launcher && !sighting.native && job.createdAt >= obs.begunAt) return { job, sighting } satisfies RefreshedJob;
  const table = yield* ProcessTable;
  const history = yield* CodexHistory;
  const store = yield* JobStore;
  const patch: { -readonly [K in keyof JobPatch]: JobPatch[K] } = {};
  if (sighting.newNative) patch.native = sighting.newNative;

  if (!job.rolloutPath) {
    if (sighting.native) {
      // its own thread, not another one Codex happens to read (see ownRollout); created after the job began, unless resumed
      const found = ownRollout(yield* table.openFiles(sighting.native.pid), {
        codexHome: realHome(job.codexHome), threadId: job.threadId, notBefore: job.createdAt - THREAD_CLOCK_SLACK_MS,
      });
      if (found) Object.assign(patch, found);
    } else if (!sighting.launcher) {
      if (job.threadId) {
        const path = yield* history.locateRollout(job.codexHome, job.threadId).pipe(Effect.orElseSucceed(() => undefined));
        if (path) patch.rolloutPath = path;
      } else {
        const found = yield* findThread(job);
        if (found) Object.assign(patch, found);
      }
    }
  }

  let status: JobStatus = job.status;
  let killRequestedAt = job.killRequestedAt;
  let end: JobEnd | undefined;
  if (sighting.launcher || sighting.native) {
    status = "running";
    yield* Effect.sync(() => trimJobOutput(store.filesDir(job.id)));
  } else {
    // A kill by another process (the watchdog, another CLI) may have begun after this copy was read:
    // it is recorded before its first signal, so the record read now, after the end was seen, knows.
    killRequestedAt ??= (yield* store.get(job.id))?.killRequestedAt;
    const rolloutPath = patch.rolloutPath ?? job.rolloutPath;
    const summary = rolloutPath
      ? yield* history.summarize(rolloutPath).pipe(Effect.orElseSucceed(() => undefined))
      : undefined;
    end = yield* jobEnd(job, store.filesDir(job.id), obs, summary);
    if (end.exitCode !== undefined) patch.exitCode = end.exitCode;
    status = killRequestedAt !== undefined ? "killed"
      : summary?.state === "completed" ? "completed"
      : summary?.state === "aborted" ? "aborted"
      : end.exitCode !== undefined && end.exitCode !== 0 ? "failed"
      : "exited";
  }
  // What this look saw stands even when it cannot be written (a locked database, a full disk):
  // the next look writes it. A read-only command must not fail over a record it only refreshes.
  if (Object.keys(patch).length > 0) yield* store.update(job.id, patch).pipe(Effect.ignore);
  const endRecorded = end ? yield* store.markEnded(job.id, status as FinalStatus, end.at).pipe(Effect.orElseSucceed(() => undefined)) : undefined;
  if (endRecorded === false) {
    // someone else (a kill, the watchdog) recorded the end first: theirs stands
    const recorded = yield* store.get(job.id);
    if (recorded) return { job: recorded, sighting } satisfies RefreshedJob;
  }
  // an ended job's group goes with it, unless a stray still runs there (then `kill` ends both)
  if (isFinal(status)) yield* releaseJobCgroup(job.cgroup);
  const updated: Job = { ...job, ...patch, status, killRequestedAt, endedAt: end ? end.at : job.endedAt };
  return { job: updated, sighting } satisfies RefreshedJob;
});

/**
 * A job that ended unobserved: its thread is among those Codex started in its cwd just after
 * it, and the one its prompt and its place among the folder's other unmapped jobs point to.
 */
const findThread = fn("findThread")(function* (job: Job) {
  const history = yield* CodexHistory;
  const store = yield* JobStore;
  const candidates = yield* history.findThreadCandidates(job.codexHome, {
    cwd: job.cwd,
    startedAfter: job.createdAt - THREAD_CLOCK_SLACK_MS,
    startedBefore: job.createdAt + THREAD_WINDOW_MS,
  }).pipe(Effect.orElseSucceed(() => []));
  if (candidates.length === 0) return undefined;
  // Every job that could own one of these threads started within the window either side.
  const span = THREAD_WINDOW_MS + THREAD_CLOCK_SLACK_MS;
  const neighbours = yield* store.startedIn({ cwd: job.cwd, codexHome: job.codexHome, from: job.createdAt - span, to: job.createdAt + span });
  const claimed = new Set(neighbours.flatMap((n) => (n.threadId && n.id !== job.id ? [n.threadId] : [])));
  const offers = candidates.filter((c) => !claimed.has(c.id)).map((c) => ({
    id: c.id, createdAt: c.createdAt, titleDigest: c.title === undefined ? undefined : promptDigest(c.title),
  }));
  const unmapped = neighbours.filter((n) => !n.threadId && !n.resumedFrom);
  const found = matchThread(job, unmapped, offers);
  const thread = found && candidates.find((c) => c.id === found.id);
  return thread ? { threadId: thread.id, rolloutPath: thread.rolloutPath } : undefined;
});
