/**
 * The job's cgroup in the job's life: made before launch (the launch joins it before Codex
 * forks anything), ended after the tree kill (whatever the walk could not prove the job's),
 * released once nothing is left in it. Each step is optional: without the Cgroups service, or
 * on a machine that gives no cgroup, they do nothing and the marker walk stands alone.
 */
import * as Effect from "effect/Effect";
import * as Option from "effect/Option";
import { type JobCgroup, joinLine, type Limits } from "../../core/cgroup.ts";
import type { Job } from "../../core/job.ts";
import { Cgroups, type CgroupEnd } from "../../services/Cgroups.ts";
import { fn } from "../../core/fn.ts";
import type { KillTreeReport } from "./killTree.ts";

const cgroups = Effect.serviceOption(Cgroups).pipe(Effect.map(Option.getOrUndefined));

/** The job's groups and the shell line that joins them (the launcher's prelude); undefined without cgroups. */
export const prepareJobCgroup = fn("prepareJobCgroup")(function* (jobId: string, limits: Limits) {
  const service = yield* cgroups;
  if (!service) {
    if (Object.values(limits).some((v) => v !== undefined)) {
      return yield* Effect.die(new Error("limits were asked for with no Cgroups service provided"));
    }
    return undefined;
  }
  const group = yield* service.create(jobId, limits);
  return group ? { group, prelude: joinLine(group.dirs) } : undefined;
});

/** How long the group's members get to go once cgroup.kill (a SIGKILL) was sent. */
const END_TIMEOUT_MS = 5_000;

/** Ends what is left in the job's group after the tree kill, and removes the group. */
export const endJobCgroup = fn("endJobCgroup")(function* (job: Job) {
  const service = yield* cgroups;
  if (!service || !job.cgroup) return undefined;
  return yield* service.end(job.cgroup, END_TIMEOUT_MS);
});

/** Removes a job's groups if nothing is left in them; a group holding a stray stays for `kill` to find. */
export const releaseJobCgroup = fn("releaseJobCgroup")(function* (group: JobCgroup | undefined) {
  const service = yield* cgroups;
  if (!service || !group) return false;
  return yield* service.release(group);
});

// how long after its end a job's group is looked at again by each refresh, for what the job left running a
// moment (a login shell's pyenv rehash outlives Codex by a second or two); later, the next start's sweep
const LINGER_MS = 10 * 60_000;

/** For a job that ended a short while ago: its group goes once its last stray has gone. */
export const releaseEndedJobCgroup = fn("releaseEndedJobCgroup")(function* (job: Job, now: number) {
  if (!job.cgroup || job.endedAt === undefined || now - job.endedAt > LINGER_MS) return false;
  return yield* releaseJobCgroup(job.cgroup);
});

/** The processes in a job's group right now (its strays among them, with or without a marker). */
export const jobCgroupMembers = fn("jobCgroupMembers")(function* (job: Job) {
  const service = yield* cgroups;
  if (!service || !job.cgroup) return [];
  return yield* service.members(job.cgroup);
});

// long enough that no launch is still between making its group and joining it
const SWEEP_MIN_AGE_MS = 60_000;

/** Removes empty groups left by jobs that ended unobserved or by a `start` cut short (any database's). */
export const sweepJobCgroups = fn("sweepJobCgroups")(function* () {
  const service = yield* cgroups;
  if (service) yield* service.sweep(SWEEP_MIN_AGE_MS);
});

/**
 * The tree kill's report with what the cgroup step ended: its members count among the job's
 * processes (signal "cgroup.kill"), and what stayed in the group is a survivor.
 */
export const withCgroupEnd = (report: KillTreeReport, group: CgroupEnd | undefined): KillTreeReport => {
  if (!group) return report;
  const known = new Set(report.members.map((m) => m.pid));
  const signal = group.how === "cgroup.kill" ? "cgroup.kill" : "SIGKILL";
  return {
    ...report,
    members: [...report.members, ...group.ended.filter((m) => !known.has(m.pid)).map((m) => ({ ...m, signals: [signal] }))],
    survivors: [...new Set([...report.survivors, ...group.survivors])],
    elapsedMs: report.elapsedMs + group.elapsedMs,
  };
};

export type { CgroupEnd };
