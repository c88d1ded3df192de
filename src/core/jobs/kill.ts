import * as Effect from "effect/Effect";
import { KillRefused } from "../errors.ts";
import { isFinal, type Job } from "../job.ts";
import type { ProcessIdentity } from "../process.ts";
import { JobStore } from "../../services/JobStore.ts";
import { observe, refreshJob } from "./refresh.ts";
import { endJobCgroup, withCgroupEnd } from "./cgroup.ts";
import { type KillTreeReport, killTree } from "./killTree.ts";
import { fn } from "../fn.ts";

export interface KillOutcome {
  readonly job: Job;
  /** `killed`: the tree is gone; `already-gone`: nothing of the job was running. */
  readonly result: "killed" | "already-gone" | "survivors";
  readonly report: KillTreeReport | undefined;
}

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
}

export const killJob = fn("killJob")(function* (job: Job, graceMs: number, options: KillJobOptions = {}) {
  const { reason = "kill command", onPhase } = options;
  const store = yield* JobStore;
  const obs = yield* observe();
  const { job: fresh, sighting } = yield* refreshJob(job, obs);
  // Nothing of a job outlives the boot it ran in: a process of this boot carrying its marker is not its stray.
  if (job.launcher.bootId !== obs.bootId) {
    yield* store.appendEvent({ jobId: job.id, kind: "kill", action: "kill", message: `${reason}: already-gone, the job ran in an earlier boot` });
    return { job: fresh, result: "already-gone", report: undefined } satisfies KillOutcome;
  }
  const roots: ProcessIdentity[] = [];
  if (sighting.launcher) roots.push(fresh.launcher);
  if (sighting.native && fresh.native) roots.push(fresh.native);
  const marks = { jobId: job.id, createdAt: job.createdAt, uid: obs.uid };
  // Codex itself still runs: this kill is what ends the job, whatever Codex writes as it goes.
  const killRequestedAt = roots.length > 0 ? Date.now() : undefined;
  if (killRequestedAt) yield* store.update(job.id, { killRequestedAt });
  // With no root alive, only strays that prove themselves the job's (marker, thread, owner, adopted) are members.
  onPhase?.(`job's processes read: ${roots.length} root(s) alive`);
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
    yield* store.appendEvent({ jobId: job.id, pid, kind: "kill", message: `kill refused: pid ${pid} is ${why === "reused" ? "now another process" : "another user's"}` });
    return yield* new KillRefused({
      jobId: job.id,
      pid,
      reason: why === "reused" ? "now belongs to another process (PID reused)" : "belongs to another user",
    });
  }
  const result: KillOutcome["result"] =
    report.survivors.length > 0 ? "survivors" : report.members.length > 0 ? "killed" : "already-gone";
  const { job: ended } = yield* refreshJob(killRequestedAt ? { ...fresh, killRequestedAt } : fresh);
  const left = report.survivorReasons.map((s) => `pid ${s.pid} ${s.reason}`).join("; ");
  yield* store.appendEvent({
    jobId: job.id,
    kind: "kill",
    action: "kill",
    message: `${reason}: ${result}, ${report.members.length} process(es), ${report.survivors.length} survivor(s) in ${report.elapsedMs} ms${left ? `: ${left}` : ""}`,
    data: { members: report.members, survivors: report.survivors, survivorReasons: report.survivorReasons, refused: report.refused, ...(group ? { cgroup: group } : {}) },
  });
  return { job: ended, result, report } satisfies KillOutcome;
});
