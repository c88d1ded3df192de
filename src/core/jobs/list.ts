import * as Effect from "effect/Effect";
import { type CodexProcessGroup, findCodexProcesses, threadIdFromRolloutPath, treeOf } from "../codex.ts";
import { isFinal, type Job } from "../job.ts";
import type { ProcessInfo } from "../process.ts";
import { JobStore } from "../../services/JobStore.ts";
import { ProcessTable } from "../../services/ProcessTable.ts";
import { Usage } from "../../services/Usage.ts";
import { type JobSighting, liveRoots, sightJob } from "./observe.ts";
import { observe, refreshJob, type Observation } from "./refresh.ts";
import { fn } from "../fn.ts";

export interface Load {
  /** CPU percent of the program and its descendants (100 = one core). */
  readonly cpu: number;
  /** Resident memory of the program and its descendants, bytes. */
  readonly memory: number;
}

export interface JobEntry extends Load {
  readonly job: Job;
  /** Which of its Codex processes were seen alive, by identity. */
  readonly sighting: JobSighting;
  /** Live PIDs: launcher, native Codex, then their descendants. */
  readonly pids: ReadonlyArray<number>;
  readonly tree: ReadonlyArray<ProcessInfo>;
}

export interface UntrackedEntry extends Load {
  readonly pid: number;
  readonly pids: ReadonlyArray<number>;
  readonly kind: string;
  readonly command: string;
  readonly startedAt: number;
  readonly threadId: string | undefined;
  readonly rolloutPath: string | undefined;
  /** The native binary's PID, whose open files name its thread's rollout. */
  readonly native: number | undefined;
  readonly cwd: string | undefined;
  /** The root's parent PID: 1 (or a subreaper) when whoever started it is gone. */
  readonly ppid: number;
  /** The launcher, the native binary and every descendant. */
  readonly tree: ReadonlyArray<ProcessInfo>;
  /** A job id the command line claims but that is not (or no longer) verified as ours. */
  readonly claimedJobId: string | undefined;
}

export const loadOf = (pids: ReadonlyArray<number>, usage: ReadonlyMap<number, { cpu: number; memory: number }>): Load => {
  let cpu = 0, memory = 0;
  for (const pid of pids) {
    const u = usage.get(pid);
    if (u) { cpu += u.cpu; memory += u.memory; }
  }
  return { cpu: Math.round(cpu * 10) / 10, memory };
};

/** The rollout among a native Codex's open files, with the thread it names. */
export const rolloutAmong = (files: ReadonlyArray<string>): { threadId: string; rolloutPath: string } | undefined => {
  for (const file of files) {
    const threadId = file.includes("/sessions/") ? threadIdFromRolloutPath(file) : undefined;
    if (threadId) return { threadId, rolloutPath: file };
  }
  return undefined;
};

/** A Codex program's thread: the rollout its native binary holds open, or the id it resumes. */
const threadOfGroup = fn("threadOfGroup")(function* (group: CodexProcessGroup) {
  const table = yield* ProcessTable;
  if (group.native) {
    const open = rolloutAmong(yield* table.openFiles(group.native.pid));
    if (open) return open;
  }
  const argv = group.root.argv;
  const at = argv.indexOf("resume");
  const resumed = argv[at + 1];
  return { threadId: at >= 0 && resumed && /^[0-9a-f-]{36}$/i.test(resumed) ? resumed : undefined, rolloutPath: undefined };
});

// Shared by the many jobs (most of 100,000, with --all) that have no process alive.
const NO_PIDS: ReadonlyArray<number> = Object.freeze([]);

/** Every tracked job (live state refreshed) and every other Codex program on the machine. */
export const listEverything = fn("listEverything")(function* (options: { readonly all: boolean }, given?: Observation) {
  const store = yield* JobStore;
  const table = yield* ProcessTable;
  const usage = yield* Usage;
  const obs = given ?? (yield* observe());
  const jobs = yield* store.list({ all: options.all });
  const claimed = new Set<number>();
  const refreshed: Array<{ job: Job; tree: ReadonlyArray<ProcessInfo>; sighting: JobSighting }> = [];
  for (const job of jobs) {
    // An ended job's record is final: its sighting is all refreshJob would add, and
    // skipping an Effect per job is what keeps `list --all` flat at 100,000 jobs.
    const { job: current, sighting } = isFinal(job.status)
      ? { job, sighting: sightJob(job, obs.byPid, obs.children, obs.bootId, obs.uid) }
      : yield* refreshJob(job, obs);
    const roots = liveRoots(sighting);
    for (const p of roots) claimed.add(p.pid);
    const tree = treeOf(obs.table, roots, obs.children);
    refreshed.push({ job: current, tree, sighting });
  }
  const visible = options.all ? refreshed : refreshed.filter((r) => r.job.status === "running");
  const groups = findCodexProcesses(obs.table).filter((g) => !claimed.has(g.root.pid) && !(g.native && claimed.has(g.native.pid)));
  const untrackedTrees = groups.map((g) => treeOf(obs.table, [g.launcher, g.native].flatMap((p) => (p ? [p] : [])), obs.children));
  // with --all, most of 100,000 jobs have no live process: their trees are skipped, not flattened
  const members: ProcessInfo[] = [];
  for (const { tree } of visible) for (const p of tree) members.push(p);
  for (const tree of untrackedTrees) for (const p of tree) members.push(p);
  const samples = yield* usage.sample(members, obs.at);
  const jobEntries: JobEntry[] = visible.map(({ job, tree, sighting }) => {
    if (tree.length === 0) return { job, pids: NO_PIDS, tree, sighting, cpu: 0, memory: 0 };
    const pids = tree.map((p) => p.pid);
    const { cpu, memory } = loadOf(pids, samples);
    return { job, pids, tree, sighting, cpu, memory };
  });
  const untracked: UntrackedEntry[] = [];
  for (const [i, g] of groups.entries()) {
    untracked.push({
      pid: g.root.pid,
      pids: [g.launcher?.pid, g.native?.pid].flatMap((p) => (p ? [p] : [])),
      kind: g.kind,
      command: g.root.argv.join(" "),
      startedAt: g.root.startedAt,
      ...(yield* threadOfGroup(g)),
      native: g.native?.pid,
      cwd: yield* table.cwd((g.native ?? g.root).pid),
      ppid: g.root.ppid,
      claimedJobId: g.claimedJobId,
      tree: untrackedTrees[i]!,
      ...loadOf(untrackedTrees[i]!.map((p) => p.pid), samples),
    });
  }
  return { jobs: jobEntries, untracked, observedAt: obs.at, ended: refreshed.filter((r) => r.job.status !== "running").map((r) => r.job) };
});
