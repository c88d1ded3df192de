import * as Effect from "effect/Effect";
import { type CodexProcessGroup, findCodexProcesses, isTuiDaemon, treeOf } from "../../core/codex.ts";
import { isFinal, type Job } from "../../core/job.ts";
import type { ProcessInfo } from "../../core/process.ts";
import { isAdoptedBy } from "../../core/tree.ts";
import { JobStore } from "../../services/JobStore.ts";
import { ProcessTable } from "../../services/ProcessTable.ts";
import { Usage } from "../../services/Usage.ts";
import { type JobSighting, liveRoots, sightJob } from "./sighting.ts";
import { observe, type Observation } from "./observe.ts";
import { refreshJob } from "./refresh.ts";
import { cwdOfGroup, holdersOf, threadOfGroup } from "./programs.ts";
import { findStrays } from "./strays.ts";

export { threadAmong } from "./programs.ts";
import { fn } from "../../core/fn.ts";

export interface Load {
  /** CPU percent of the program and its descendants (100 = one core). */
  readonly cpu: number;
  /** Resident memory of the program and its descendants, bytes. */
  readonly memory: number;
}

/** A Codex program running inside a job's tree (a sub-agent's `codex exec`): the job's, not a stranger. */
export interface NestedCodex {
  readonly pid: number;
  readonly pids: ReadonlyArray<number>;
  readonly kind: string;
  readonly threadId: string | undefined;
}

export interface JobEntry extends Load {
  readonly job: Job;
  /** Which of its Codex processes were seen alive, by identity. */
  readonly sighting: JobSighting;
  /** Live PIDs: launcher, native Codex, their descendants, then its strays. */
  readonly pids: ReadonlyArray<number>;
  readonly tree: ReadonlyArray<ProcessInfo>;
  /** PIDs found only by the job's marker (cut off from its tree, e.g. a daemon its tool left): also in `pids`. */
  readonly strays: ReadonlyArray<number>;
  /** Codex programs inside its tree. */
  readonly nested: ReadonlyArray<NestedCodex>;
}

export interface UntrackedEntry extends Load {
  readonly pid: number;
  readonly pids: ReadonlyArray<number>;
  readonly kind: string;
  readonly command: string;
  readonly startedAt: number;
  readonly threadId: string | undefined;
  readonly rolloutPath: string | undefined;
  /** The native binary and its native helpers (the TUI's app-server): whose open files name the thread's rollout. */
  readonly threadHolders: ReadonlyArray<number>;
  /** Where it works: its thread's session cwd, else its `--cd`, else its process's cwd. */
  readonly cwd: string | undefined;
  /** The root's parent PID: 1 (or a subreaper) when whoever started it is gone. */
  readonly ppid: number;
  /** The launcher, the native binary and every descendant. */
  readonly tree: ReadonlyArray<ProcessInfo>;
  /** A job id the command line claims but that is not (or no longer) verified as ours. */
  readonly claimedJobId: string | undefined;
  /** `tui`: an app-server a TUI started as its daemon, that TUI gone (SIGKILLed): what it left behind. */
  readonly leftoverOf: "tui" | undefined;
}

export const loadOf = (pids: ReadonlyArray<number>, usage: ReadonlyMap<number, { cpu: number; memory: number }>): Load => {
  let cpu = 0, memory = 0;
  for (const pid of pids) {
    const u = usage.get(pid);
    if (u) { cpu += u.cpu; memory += u.memory; }
  }
  return { cpu: Math.round(cpu * 10) / 10, memory };
};

// Shared by the many jobs (most of 100,000, with --all) that have no process alive.
const NO_PIDS: ReadonlyArray<number> = Object.freeze([]);
const NO_TREE: ReadonlyArray<ProcessInfo> = Object.freeze([]);

const NO_NESTED: ReadonlyArray<NestedCodex> = Object.freeze([]);
const NO_NESTED_BY_JOB: ReadonlyMap<string, ReadonlyArray<NestedCodex>> = new Map();

interface Refreshed {
  readonly job: Job;
  readonly tree: ReadonlyArray<ProcessInfo>;
  readonly sighting: JobSighting;
}

/** Each job's record brought up to date and its live tree; and the PIDs of their Codex roots. */
const refreshAll = fn("refreshAll")(function* (jobs: ReadonlyArray<Job>, obs: Observation) {
  const refreshed: Refreshed[] = [];
  const jobRoots = new Set<number>();
  for (const job of jobs) {
    // An ended job's record is final: its sighting is all refreshJob would add, and
    // skipping an Effect per job is what keeps `list --all` flat at 100,000 jobs.
    const { job: current, sighting } = isFinal(job.status)
      ? { job, sighting: sightJob(job, obs.byPid, obs.children, obs.bootId, obs.uid) }
      : yield* refreshJob(job, obs);
    const roots = liveRoots(sighting);
    for (const p of roots) jobRoots.add(p.pid);
    refreshed.push({ job: current, tree: treeOf(obs.table, roots, obs.children), sighting });
  }
  return { refreshed, jobRoots };
});

/** A Codex program nobody tracks, as `list` shows it. */
const untrackedEntry = fn("untrackedEntry")(function* (g: CodexProcessGroup, tree: ReadonlyArray<ProcessInfo>, samples: ReadonlyMap<number, Load>, obs: Observation) {
  const thread = yield* threadOfGroup(g);
  return {
    pid: g.root.pid,
    pids: [g.launcher?.pid, g.native?.pid].flatMap((p) => (p ? [p] : [])),
    kind: g.kind,
    command: g.root.argv.join(" "),
    startedAt: g.root.startedAt,
    ...thread,
    threadHolders: holdersOf(g),
    cwd: yield* cwdOfGroup(g, thread.rolloutPath),
    ppid: g.root.ppid,
    claimedJobId: g.claimedJobId,
    tree,
    leftoverOf: isTuiDaemon(g.root) && isAdoptedBy(g.root.ppid, obs.byPid.get(g.root.ppid)) ? "tui" : undefined,
    ...loadOf(tree.map((p) => p.pid), samples),
  } satisfies UntrackedEntry;
});

/** Every tracked job (live state refreshed), with its strays and nested Codex, and every other Codex program on the machine. */
export const listEverything = fn("listEverything")(function* (options: { readonly all: boolean }, given?: Observation) {
  const store = yield* JobStore;
  const usage = yield* Usage;
  const obs = given ?? (yield* observe());
  const groups = findCodexProcesses(obs.table);
  // what this look will ask of them (their rollout, their cwd), read at once where that costs a spawn (lsof)
  const table = yield* ProcessTable;
  if (table.prepare && groups.length > 0) yield* table.prepare(groups.flatMap((g) => [g.root.pid, ...holdersOf(g)]), "files");
  const { refreshed, jobRoots } = yield* refreshAll(yield* store.list({ all: options.all }), obs);
  // the jobs this look saw end (before strays bring ended jobs in): what onJobEnd is told of
  const ended = refreshed.filter((r) => r.job.status !== "running").map((r) => r.job);

  const inTrees = new Set<number>();
  for (const { tree } of refreshed) for (const p of tree) inTrees.add(p.pid);
  // made only when some process carries a marker: `list --all` need not index 100,000 jobs for nothing
  let listed: Set<string> | undefined;
  const isListed = (id: string) => (listed ??= new Set(refreshed.map((r) => r.job.id))).has(id);
  const strays = yield* findStrays(obs, inTrees, (id) =>
    isListed(id) ? Effect.succeed(refreshed.find((r) => r.job.id === id)!.job) : store.get(id));
  for (const { job } of strays.values()) {
    if (!isListed(job.id)) refreshed.push({ job, tree: NO_TREE, sighting: sightJob(job, obs.byPid, obs.children, obs.bootId, obs.uid) });
  }
  const tracked = new Set(inTrees);
  for (const { tree } of strays.values()) for (const p of tree) tracked.add(p.pid);

  const visible = options.all ? refreshed : refreshed.filter((r) => r.job.status === "running" || strays.has(r.job.id));
  // A Codex inside a job's tree (a sub-agent) is the job's: shown in it, its memory counted there only
  const ofJobs = (g: CodexProcessGroup) => tracked.has(g.root.pid) || (g.native !== undefined && tracked.has(g.native.pid));
  const outside = groups.filter((g) => !ofJobs(g));
  const inside = groups.filter((g) => ofJobs(g) && !jobRoots.has(g.root.pid) && !(g.native && jobRoots.has(g.native.pid)));
  const untrackedTrees = outside.map((g) => treeOf(obs.table, [g.launcher, g.native].flatMap((p) => (p ? [p] : [])), obs.children));
  // a job's tree and then its strays' (few jobs have any: the others' tree is used as it is)
  const fullTree = ({ job, tree }: Refreshed) => {
    const lost = strays.get(job.id)?.tree;
    return lost ? [...tree, ...lost] : tree;
  };
  const members: ProcessInfo[] = [];
  // with --all, most of 100,000 jobs have no live process: their trees are skipped, not flattened
  for (const r of visible) for (const p of fullTree(r)) members.push(p);
  for (const tree of untrackedTrees) for (const p of tree) members.push(p);
  const samples = yield* usage.sample(members, obs.at);
  const nestedOf = inside.length === 0 ? NO_NESTED_BY_JOB : yield* nestedByJob(inside, visible.map((r) => ({ id: r.job.id, tree: fullTree(r) })));

  const jobEntries: JobEntry[] = visible.map((r) => {
    const { job, sighting } = r;
    const tree = fullTree(r);
    if (tree.length === 0) return { job, pids: NO_PIDS, tree, sighting, strays: NO_PIDS, nested: NO_NESTED, cpu: 0, memory: 0 };
    const pids = tree.map((p) => p.pid);
    const { cpu, memory } = loadOf(pids, samples);
    const lost = strays.get(job.id)?.tree.map((p) => p.pid) ?? NO_PIDS;
    return { job, pids, tree, sighting, strays: lost, nested: nestedOf.get(job.id) ?? NO_NESTED, cpu, memory };
  });
  const untracked: UntrackedEntry[] = [];
  for (const [i, g] of outside.entries()) untracked.push(yield* untrackedEntry(g, untrackedTrees[i]!, samples, obs));
  // what the table could not read (lsof missing): threads, cwds and strays that rest on it may be missing
  return { jobs: jobEntries, untracked, observedAt: obs.at, ended, unchecked: table.gaps?.() ?? [] };
});

/** The Codex programs inside jobs' trees, each under the job whose tree holds it. */
const nestedByJob = fn("nestedByJob")(function* (inside: ReadonlyArray<CodexProcessGroup>, trees: ReadonlyArray<{ id: string; tree: ReadonlyArray<ProcessInfo> }>) {
  const out = new Map<string, NestedCodex[]>();
  const owner = new Map<number, string>();
  for (const { id, tree } of trees) for (const p of tree) owner.set(p.pid, id);
  for (const g of inside) {
    const id = owner.get(g.root.pid) ?? (g.native ? owner.get(g.native.pid) : undefined);
    // a job not shown (an ended one, without --all) keeps its own
    if (id === undefined) continue;
    const nested: NestedCodex = {
      pid: g.root.pid,
      pids: [g.launcher?.pid, g.native?.pid].flatMap((p) => (p ? [p] : [])),
      kind: g.kind,
      threadId: (yield* threadOfGroup(g)).threadId,
    };
    out.set(id, [...(out.get(id) ?? []), nested]);
  }
  return out;
});
