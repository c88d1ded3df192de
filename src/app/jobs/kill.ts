import * as Clock from "effect/Clock";
import * as Effect from "effect/Effect";
import { type DatabaseError, KillRefused } from "../../core/errors.ts";
import { isFinal, type Job } from "../../core/job.ts";
import type { ProcessIdentity } from "../../core/process.ts";
import { JobStore } from "../../services/JobStore.ts";
import { observe } from "./observe.ts";
import { refreshJob } from "./refresh.ts";
import { endJobCgroup, withCgroupEnd } from "./cgroup.ts";
import { type KillTreeReport, killTree } from "./killTree.ts";
import { fn } from "../../core/fn.ts";

export interface KillOutcome {
  readonly job: Job;
  /** `killed`: the tree is gone; `already-gone`: nothing of the job was running. */
  readonly result: "killed" | "already-gone" | "survivors";
  readonly report: KillTreeReport | undefined;
  /** The kill was carried out but could not be recorded (the database stayed locked, or the disk is full). */
  readonly unrecorded?: DatabaseError | undefined;
}

/** What a kill came to: its tree gone, some of it still alive, or nothing of it found running. */
export const killResult = (report: KillTreeReport): KillOutcome["result"] =>
  report.survivors.length > 0 ? "survivors" : report.members.length > 0 ? "killed" : "already-gone";

/**
 * The verified whole-tree kill, shared by the CLI, the MCP server and the watchdog.
 * Refuses when a recorded PID now belongs to another process and nothing else of
 * the job can be proven alive; otherwise ends every process proven to be the job's.
 */
export interface KillJobOptions {
  /** Who asked, for the events (default "kill command"). */
  readonly reason?: string | undefined;
  /** Told of each phase of the kill as it ends (`kill --trace`). */
  readonly onPhase?: ((phase: string) => void) | undefined;
  /** How long to keep trying to record the kill once it is done (default 10 s; 0: once). */
  readonly recordWithinMs?: number | undefined;
}

const RECORD_WITHIN_MS = 10_000;
const RECORD_RETRY_MS = 250;

// A database another process holds locked, or one on a disk with room again, may take the record
// on a later try; one opened for reading only (the disk was full when it was opened) never will.
const mayPass = (e: DatabaseError) => !/opened for reading only/.test(String(e.cause)) && /locked|busy|full|I\/O/i.test(String(e.cause));

/** Runs `record` until it succeeds or `withinMs` has passed; the last failure when it never did. */
const recordWithRetries = (record: Effect.Effect<unknown, DatabaseError, JobStore>, withinMs: number) =>
  Effect.gen(function* () {
    const deadline = (yield* Clock.currentTimeMillis) + withinMs;
    for (;;) {
      const tried = yield* Effect.result(record);
      if (tried._tag === "Success") return undefined;
      if (!mayPass(tried.failure) || (yield* Clock.currentTimeMillis) + RECORD_RETRY_MS > deadline) return tried.failure;
      yield* Effect.sleep(RECORD_RETRY_MS);
    }
  });

/**
 * The phases: look (reads only: a write lock elsewhere does not block a reader) → note the request
 * if the database takes it at once → kill the tree → record what was done, retrying while the
 * database is busy. The signals never wait on the database.
 */
export const killJob = fn("killJob")(function* (job: Job, graceMs: number, options: KillJobOptions = {}) {
  const { reason = "kill command", onPhase, recordWithinMs = RECORD_WITHIN_MS } = options;
  const store = yield* JobStore;
  const obs = yield* observe();
  const { job: fresh, sighting } = yield* store.withoutWaiting(refreshJob(job, obs));
  // Nothing of a job outlives the boot it ran in: a process of this boot carrying its marker is not its stray.
  if (job.launcher.bootId !== obs.bootId) {
    const unrecorded = yield* recordWithRetries(store.appendEvent({ jobId: job.id, kind: "kill", action: "kill", message: `${reason}: already-gone, the job ran in an earlier boot` }), recordWithinMs);
    return { job: fresh, result: "already-gone", report: undefined, unrecorded } satisfies KillOutcome;
  }
  const roots: ProcessIdentity[] = [];
  if (sighting.launcher) roots.push(fresh.launcher);
  if (sighting.native && fresh.native) roots.push(fresh.native);
  const marks = { jobId: job.id, createdAt: job.createdAt, uid: obs.uid };
  // Codex itself still runs: this kill is what ends the job, whatever Codex writes as it goes. Noted before
  // the first signal when the database takes it at once, so a look elsewhere that sees the tree go knows why;
  // otherwise after the kill (markKillRequested turns an `exited` seen meanwhile into `killed`).
  const killRequestedAt = roots.length > 0 ? Date.now() : undefined;
  const noted = killRequestedAt !== undefined &&
    (yield* store.withoutWaiting(store.markKillRequested(job.id, killRequestedAt)).pipe(Effect.result))._tag === "Success";
  // With no root alive, only strays that prove themselves the job's (marker, thread, owner, adopted) are members.
  onPhase?.(`job's processes read: ${roots.length} root(s) alive${killRequestedAt !== undefined && !noted ? " (the database is busy: the kill is recorded after it)" : ""}`);
  const tree = yield* killTree(roots, marks, graceMs, obs, onPhase);
  // then whatever is still in the job's cgroup: a process that dropped the marker and left the tree
  const group = yield* endJobCgroup(fresh);
  // told only when the group held more than the tree: a kill whose walk found everything reads as before
  if (group && (group.ended.length > 0 || !group.removed)) onPhase?.(`cgroup: ${group.ended.length} more process(es) ended by ${group.how}, ${group.survivors.length} left, group ${group.removed ? "removed" : "kept"}`);
  const report = withCgroupEnd(tree, group);
  // a job recorded as ended whose PID was since reused is simply gone; one we believed running is a surprise worth
  // refusing over — once nothing of it could be proven alive, so its strays were not left running.
  if (roots.length === 0 && report.members.length === 0 && sighting.reused.length > 0 && !isFinal(job.status)) {
    const { pid, reason: why } = sighting.reused[0]!;
    yield* recordWithRetries(store.appendEvent({ jobId: job.id, pid, kind: "kill", message: `kill refused: pid ${pid} is ${why === "reused" ? "now another process" : "another user's"}` }), recordWithinMs);
    return yield* new KillRefused({
      jobId: job.id,
      pid,
      reason: why === "reused" ? "now belongs to another process (PID reused)" : "belongs to another user",
    });
  }
  const result = killResult(report);
  const left = report.survivorReasons.map((s) => `pid ${s.pid} ${s.reason}`).join("; ");
  const unchecked = report.unchecked.length > 0 ? `; not checked: ${report.unchecked.join("; ")}` : "";
  const unrecorded = yield* recordWithRetries(Effect.gen(function* () {
    if (killRequestedAt !== undefined && !noted) yield* store.markKillRequested(job.id, killRequestedAt);
    yield* store.appendEvent({
      jobId: job.id,
      kind: "kill",
      action: "kill",
      message: `${reason}: ${result}, ${report.members.length} process(es), ${report.survivors.length} survivor(s) in ${report.elapsedMs} ms${left ? `: ${left}` : ""}${unchecked}`,
      data: { members: report.members, survivors: report.survivors, survivorReasons: report.survivorReasons, refused: report.refused, unchecked: report.unchecked, ...(group ? { cgroup: group } : {}) },
    });
  }), recordWithinMs);
  if (unrecorded) onPhase?.(`kill not recorded: ${String(unrecorded.cause)}`);
  const after = refreshJob(killRequestedAt ? { ...fresh, killRequestedAt } : fresh);
  const { job: ended } = yield* (unrecorded ? store.withoutWaiting(after) : after);
  return { job: ended, result, report, unrecorded } satisfies KillOutcome;
});
