import { existsSync, readdirSync, readFileSync, rmdirSync, statSync } from "node:fs";
import { join } from "node:path";
import * as Context from "effect/Context";
import * as Effect from "effect/Effect";
import * as Layer from "effect/Layer";
import { type JobCgroup, type Limits, limitFiles, wantedControllers } from "../core/cgroup.ts";
import { LaunchError } from "../core/errors.ts";
import { fn } from "../core/fn.ts";
import { makeGroup, membersOf, removeGroup, tryWrite, writeFiles } from "./cgroups/groups.ts";
import { type CgroupPlan, planCgroups } from "./cgroups/plan.ts";

export { CGROUP_SWITCH, type CgroupPlan } from "./cgroups/plan.ts";

export type { JobCgroup } from "../core/cgroup.ts";

/** What ending a job's group did. */
export interface CgroupEnd {
  readonly dir: string;
  /** The processes still in the group when it was frozen: the ones the tree kill had not ended. */
  readonly ended: ReadonlyArray<{ readonly pid: number; readonly argv: string }>;
  /** Still in the group at the deadline. */
  readonly survivors: ReadonlyArray<number>;
  /** Every group of the job is gone. */
  readonly removed: boolean;
  readonly how: "cgroup.kill" | "SIGKILL to each frozen member" | "SIGKILL to each member";
  readonly elapsedMs: number;
}

const POLL_MS = 5;

const commandLine = (pid: number) => {
  try { return readFileSync(`/proc/${pid}/cmdline`, "utf8").replaceAll("\0", " ").trim().slice(0, 200); } catch { return ""; }
};

const make = (plan: () => CgroupPlan) => {
  const create = fn("Cgroups.create")(function* (jobId: string, limits: Limits) {
    const p = plan();
    const missing = wantedControllers(limits).filter((c) => !p.limits[c]);
    if (missing.length > 0) {
      const why = "none" in p.membership ? p.membership.none : "its controller is not available to this user";
      return yield* new LaunchError({ reason: `limits.${missing.join(", limits.")} cannot be applied on this machine (${why}); see \`codex-supervisor doctor\`` });
    }
    const made: string[] = [];
    return yield* Effect.try({
      try: () => {
        if (!("none" in p.membership)) {
          const v2 = wantedControllers(limits).filter((c) => p.limits[c]?.version === 2);
          const dir = makeGroup(p.membership.base, jobId, v2);
          made.push(dir);
          for (const c of v2) writeFiles(dir, limitFiles(c, limits[c]!, 2));
        }
        for (const c of wantedControllers(limits)) {
          const where = p.limits[c]!;
          if (where.version !== 1) continue;
          const dir = makeGroup(where.base, jobId, []);
          made.push(dir);
          writeFiles(dir, limitFiles(c, limits[c]!, 1));
        }
        return made.length > 0 ? ({ dirs: made } satisfies JobCgroup) : undefined;
      },
      catch: (cause) => {
        for (const dir of made) removeGroup(dir);
        return new LaunchError({ reason: `could not make the job's cgroup: ${(cause as Error).message}`, cause });
      },
    });
  });

  /**
   * Ends every process still in the job's group and removes its groups: freeze (v2), kill every
   * member (cgroup.kill where the kernel has it, else SIGKILL to each, which a frozen member
   * cannot dodge by forking or exiting and freeing its PID), wait for the group to empty.
   * Being in the group is the proof a member is the job's: no marker or parent link is needed.
   */
  const end = fn("Cgroups.end")(function* (group: JobCgroup, timeoutMs: number) {
    const started = Date.now();
    const dir = group.dirs[0]!;
    const frozen = tryWrite(join(dir, "cgroup.freeze"), "1");
    const pids = membersOf(dir);
    const ended = pids.map((pid) => ({ pid, argv: commandLine(pid) }));
    const killFile = join(dir, "cgroup.kill");
    const viaKill = pids.length > 0 && existsSync(killFile) && tryWrite(killFile, "1");
    const how: CgroupEnd["how"] = viaKill ? "cgroup.kill" : frozen ? "SIGKILL to each frozen member" : "SIGKILL to each member";
    const killEach = (pids: ReadonlyArray<number>) => {
      for (const pid of pids) { try { process.kill(pid, "SIGKILL"); } catch { /* gone */ } }
    };
    if (!viaKill) killEach(pids);
    const deadline = Date.now() + timeoutMs;
    let left = membersOf(dir);
    while (left.length > 0 && Date.now() < deadline) {
      yield* Effect.sleep(POLL_MS);
      left = membersOf(dir);
      if (!viaKill) killEach(left); // without a freezer a member may have forked since
    }
    if (left.length > 0 && frozen) tryWrite(join(dir, "cgroup.freeze"), "0"); // never leave a survivor frozen for good
    // a v1 group may still count a process that has just left the v2 one: each is retried until the deadline
    let removed = left.length === 0 && group.dirs.map(removeGroup).every(Boolean);
    while (left.length === 0 && !removed && Date.now() < deadline) {
      yield* Effect.sleep(POLL_MS);
      removed = group.dirs.map(removeGroup).every(Boolean);
    }
    return { dir, ended, survivors: left, removed, how, elapsedMs: Date.now() - started } satisfies CgroupEnd;
  });

  /** Removes the job's groups once nothing is left in them; whether they are gone. */
  const release = fn("Cgroups.release")(function* (group: JobCgroup) {
    if (membersOf(group.dirs[0]!).length > 0) return false;
    return group.dirs.map(removeGroup).every(Boolean);
  });

  /**
   * Removes the empty job groups under this machine's bases made more than `minAgeMs` ago: those of
   * jobs that ended unobserved, or of a `start` cut short. Only empty ones (the kernel refuses the
   * rest), and only old ones: a group younger than that may be a launch about to join it.
   */
  const sweep = fn("Cgroups.sweep")(function* (minAgeMs: number, options: SweepOptions = {}) {
    const p = plan();
    const bases = new Set([...("none" in p.membership ? [] : [p.membership.base]), ...Object.values(p.limits).map((l) => l.base)]);
    const before = Date.now() - minAgeMs;
    let removed = 0;
    for (const base of bases) {
      let names: string[];
      try { names = readdirSync(base, { withFileTypes: true }).filter((e) => e.isDirectory()).map((e) => e.name); } catch { continue; }
      for (const name of names) {
        const dir = join(base, name);
        const made = statSync(dir, { throwIfNoEntry: false })?.mtimeMs ?? Date.now();
        if (made <= before && membersOf(dir).length === 0 && removeGroup(dir)) removed++;
      }
      // the folder the job groups live in, once empty; only where no start can be making a group in it
      if (options.andBase) { try { rmdirSync(base); } catch { /* a group is still in it */ } }
    }
    return removed;
  });

  return Cgroups.of({ plan: () => Effect.sync(plan), create, end, release, sweep, members: (group) => Effect.sync(() => membersOf(group.dirs[0]!)) });
};

export interface SweepOptions {
  /** Also remove the folder of the job groups when it is empty: for the end of a test or bench run, never while jobs start. */
  readonly andBase?: boolean | undefined;
}

/**
 * A cgroup per job where the machine allows one: kill then ends every process of the job,
 * even one that scrubbed its environment and left the tree; and hard limits apply from launch.
 */
export class Cgroups extends Context.Service<Cgroups, {
  readonly plan: () => Effect.Effect<CgroupPlan>;
  /** The job's groups, made and limited, for the launch to join; undefined when the machine gives none. */
  readonly create: (jobId: string, limits: Limits) => Effect.Effect<JobCgroup | undefined, LaunchError>;
  readonly end: (group: JobCgroup, timeoutMs: number) => Effect.Effect<CgroupEnd>;
  readonly release: (group: JobCgroup) => Effect.Effect<boolean>;
  /** Removes empty job groups older than `minAgeMs`; how many. */
  readonly sweep: (minAgeMs: number, options?: SweepOptions) => Effect.Effect<number>;
  readonly members: (group: JobCgroup) => Effect.Effect<ReadonlyArray<number>>;
}>()("codex-supervisor/Cgroups") {
  /** Linux: the plan read from the kernel on first use (honours CODEX_SUPERVISOR_CGROUP=off). */
  static readonly layer = Layer.sync(Cgroups, () => {
    let plan: CgroupPlan | undefined;
    return make(() => (plan ??= planCgroups()));
  });
  /** No cgroups: the marker walk alone. */
  static readonly layerNone = Layer.sync(Cgroups, () => make(() => ({ membership: { none: "no cgroups in this run" }, limits: {} })));
}
