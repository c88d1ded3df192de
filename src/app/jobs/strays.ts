import * as Effect from "effect/Effect";
import { JOB_MARKER, type Job } from "../../core/job.ts";
import type { ProcessInfo } from "../../core/process.ts";
import { collectJobTree, couldBeStray, isStrayOfJob, type JobMarks } from "../../core/tree.ts";
import type { DatabaseError } from "../../core/errors.ts";
import { JobStore } from "../../services/JobStore.ts";
import { ProcessTable } from "../../services/ProcessTable.ts";
import type { Observation } from "./observe.ts";
import { fn } from "../../core/fn.ts";

/** A job's strays: processes cut off from its tree that prove, by the kill path's rule, to be its own; and their descendants. */
export interface JobStrays {
  readonly job: Job;
  readonly tree: ReadonlyArray<ProcessInfo>;
}

/** The job-independent half of `couldBeStray`: ours by owner, adopted, started since the first job that could own it. */
const anyJobOf = (uid: number, createdAt: number): JobMarks => ({ jobId: "", createdAt, uid });

/**
 * Every job's strays in one snapshot, in one pass whatever the number of jobs: a candidate is a
 * process outside the trees already known (`known`) that `couldBeStray` of a job of this boot (ours,
 * adopted, started since this boot's first job); its marker, found by a byte search of its
 * environment, names the job, which `jobOf` looks up; then the kill path's `isStrayOfJob` judges it.
 */
export const findStrays = fn("findStrays")(function* (
  obs: Observation,
  known: ReadonlySet<number>,
  jobOf: (id: string) => Effect.Effect<Job | undefined, DatabaseError>,
) {
  const table = yield* ProcessTable;
  const out = new Map<string, JobStrays>();
  // no process older than this boot's first job is any job's: on a desktop, that leaves out the user's services
  const since = yield* (yield* JobStore).firstCreatedSince(obs.byPid.get(1)?.startedAt ?? 0);
  if (since === undefined) return out;
  const any = anyJobOf(obs.uid, since);
  const markerOf = (pid: number) => table.environVar ? table.environVar(pid, JOB_MARKER) : Effect.map(table.environ(pid), (env) => env?.get(JOB_MARKER));
  const claimed = new Map<string, Array<{ p: ProcessInfo; env: ReadonlyMap<string, string> }>>();
  const candidates = obs.table.filter((p) => !known.has(p.pid) && p.state !== "Z" && couldBeStray(p, obs.byPid.get(p.ppid), any));
  // their environments in one read where each costs a spawn (ps e)
  if (table.prepare && candidates.length > 0) yield* table.prepare(candidates.map((p) => p.pid), "environ");
  for (const p of candidates) {
    // the marker first, by a byte search; the whole environment only of the few that carry one
    const id = yield* markerOf(p.pid);
    const env = id ? yield* table.environ(p.pid) : undefined;
    if (!env || !id) continue;
    const list = claimed.get(id);
    if (list) list.push({ p, env });
    else claimed.set(id, [{ p, env }]);
  }
  for (const [id, candidates] of claimed) {
    const job = yield* jobOf(id);
    if (!job || job.launcher.bootId !== obs.bootId) continue;
    const marks: JobMarks = { jobId: job.id, createdAt: job.createdAt, uid: obs.uid };
    const strays = candidates.filter(({ p, env }) => isStrayOfJob(p, env, obs.byPid.get(p.ppid), marks)).map(({ p }) => p);
    if (strays.length === 0) continue;
    const tree = collectJobTree(obs.table, [], strays, obs.uid).filter((p) => p.state !== "Z" && !known.has(p.pid));
    out.set(job.id, { job, tree });
  }
  return out;
});
