import * as Clock from "effect/Clock";
import type { LoadedConfig } from "../config/load.ts";
import type { PolicyConfig } from "../config/policies.ts";
import { isCodexLauncher, isNativeCodex } from "../core/codex.ts";
import { threadAmong } from "../app/jobs/list.ts";
import { dueToFire, holdsWhen, matches, observeTick, type PolicyMemory } from "../core/policy.ts";
import { type ProcessInfo, sameProcess } from "../core/process.ts";
import type { Subject } from "../core/subject.ts";
import { THREAD_WINDOW_MS } from "../core/threadMatch.ts";
import { JobStore } from "../services/JobStore.ts";
import { ProcessTable, type Watermark } from "../services/ProcessTable.ts";
import { Usage } from "../services/Usage.ts";
import { type SummaryReader, withHistory } from "./subjects.ts";
import { fn } from "../core/fn.ts";

// Most ticks nothing has changed but time, memory and CPU counters. A full tick reads the whole
// process table, the job database, every config and every history to find that out; a quiet tick
// proves it with a few reads and judges every policy on the same subjects with fresh counters:
//
//   - no process that matters started: the kernel's PID watermark says which PIDs were handed out
//     since, and of those that are processes none is Codex or the child of a tree's member (nor,
//     for ones that started last time, has become Codex by exec since);
//   - no member of a tree ended or moved: each reads as itself through a descriptor held on it
//     (which a reused PID cannot fool), with the same parent and not a zombie;
//   - nobody else wrote to the database (SQLite's data_version);
//   - no config file changed (the config book's stat fingerprints);
//   - no untracked program moved to another thread (its native's open files).
//
// What histories say is read again from the summary cache (a stat when the file did not grow).
// If any of that fails, or any policy would fire, the full tick runs: actions always start from
// a full look. A full tick also runs at least every FULL_TICK_AT_LEAST_EVERY_MS, for what the
// watermark cannot show: a process that was not new when it turned into Codex by exec.

export const FULL_TICK_AT_LEAST_EVERY_MS = 10 * 60_000;

export interface SettledSubject {
  readonly subject: Subject;
  readonly config: LoadedConfig | undefined;
  /** The tree as the full tick read it, launcher and native first: who the quiet ticks read again (their counters go to `subject`). */
  readonly tree: ReadonlyArray<ProcessInfo>;
  readonly rolloutPath: string | undefined;
  /** An untracked program's native Codex and its helpers, whose open files say which thread it is on. */
  readonly threadHolders: ReadonlyArray<number>;
}

/** What a full tick saw, for quiet ticks to compare against. */
export interface Settled {
  readonly watermark: Watermark;
  /** Processes that started during the last look and did not matter then: looked at once more. */
  readonly young: ReadonlyArray<ProcessInfo>;
  readonly dataVersion: number;
  /** When the last full tick ran. */
  readonly fullAt: number;
  readonly dirs: ReadonlyArray<string>;
  readonly policies: ReadonlyArray<PolicyConfig>;
  readonly subjects: ReadonlyArray<SettledSubject>;
  /** Every subject's tree, one after the other: what each quiet tick reads again, index for index. */
  readonly members: ReadonlyArray<ProcessInfo>;
  readonly memberPids: ReadonlySet<number>;
  /** Whether a policy reads the histories (tokens, Python): only then are their summaries looked at. */
  readonly readsHistory: boolean;
}

/** The state quiet ticks start from, after a full tick that saw these subjects. */
export const settle = (seen: Omit<Settled, "members" | "memberPids" | "readsHistory">): Settled => {
  const members = seen.subjects.flatMap((s) => s.tree);
  return {
    ...seen,
    members,
    memberPids: new Set(members.map((p) => p.pid)),
    readsHistory: seen.policies.some((p) => p.when.tokensOver !== undefined || p.when.pythonMismatch !== undefined),
  };
};

/**
 * Whether quiet ticks may follow a full tick that saw these subjects: no plugin asks to be
 * called every tick, and every subject's thread is known (or has had its chance to appear).
 */
export const canSettle = (subjects: ReadonlyArray<SettledSubject>, options: { readonly onTick: boolean; readonly now: number }): boolean =>
  !options.onTick &&
  subjects.every((s) => s.rolloutPath !== undefined || options.now - s.subject.startedAt > THREAD_WINDOW_MS);

const copyMemory = (memory: PolicyMemory): PolicyMemory => ({
  cpuTicks: new Map(memory.cpuTicks),
  // only a firing changes these two, and a quiet tick fires nothing
  fired: memory.fired,
  failed: memory.failed,
  busy: new Map(memory.busy),
});

const adoptMemory = (memory: PolicyMemory, from: PolicyMemory) => {
  memory.cpuTicks.clear();
  for (const [k, v] of from.cpuTicks) memory.cpuTicks.set(k, v);
  memory.busy.clear();
  for (const [k, v] of from.busy) memory.busy.set(k, v);
};

export interface QuietInput {
  readonly settled: Settled;
  readonly memory: PolicyMemory;
  readonly summaries: SummaryReader;
  /** Would the config book load nothing anew for these directories? */
  readonly configsUnchanged: (dirs: ReadonlyArray<string>) => boolean;
}

/**
 * One quiet tick: the settled subjects with fresh counters, judged by every policy. Returns the
 * next settled state, or why a full tick must run instead (then nothing was recorded: neither
 * the CPU samples nor the policies' per-tick counters moved).
 */
export const quietTick = fn("watchdog.quietTick")(function* (input: QuietInput) {
  const { settled, memory } = input;
  const now = yield* Clock.currentTimeMillis;
  if (now - settled.fullAt >= FULL_TICK_AT_LEAST_EVERY_MS) return "due for a full look";
  const table = yield* ProcessTable;
  const started = yield* table.startedSince(settled.watermark);
  if (!started) return "too many processes started to tell";
  const matters = (p: ProcessInfo) => isCodexLauncher(p) || isNativeCodex(p) || settled.memberPids.has(p.ppid);
  const arrived = started.processes.find(matters);
  if (arrived) return `process ${arrived.pid} started`;
  for (const p of settled.young) {
    const live = sameProcess(p, yield* table.read(p.pid));
    if (live && matters(live)) return `process ${p.pid} became Codex`;
  }
  if ((yield* (yield* JobStore).dataVersion()) !== settled.dataVersion) return "database changed";
  if (!input.configsUnchanged(settled.dirs)) return "config changed";

  // Every process followed is read into two arrays, index for index with `members`, and each
  // subject sums its own range: nothing is allocated per process (at 100 jobs, 300 of them).
  const counted = yield* table.counters(settled.members);
  if (counted._tag === "Changed") return `process ${counted.pid} ${counted.change}`;
  const usage = yield* Usage;
  const shares = yield* usage.shares(settled.members, counted.cpuTimeMs, now);

  // Idleness needs no fresh history: activity only postpones it, so a stale view can only
  // think a subject idle too early, and then the full tick reads the history and decides.
  const holders = settled.subjects.flatMap((s) => s.threadHolders);
  if (table.prepare && holders.length > 0) yield* table.prepare(holders, "files");
  const next: SettledSubject[] = [];
  let i = 0;
  for (const s of settled.subjects) {
    if (s.threadHolders.length > 0) {
      const files: Array<ReadonlyArray<string>> = [];
      for (const pid of s.threadHolders) files.push(yield* table.openFiles(pid));
      if (threadAmong(files)?.rolloutPath !== s.rolloutPath) return `process ${s.threadHolders[0]} changed thread`;
    }
    let cpu = 0, rss = 0, cpuTimeMs = 0;
    for (const end = i + s.tree.length; i < end; i++) {
      cpu += shares[i]!;
      rss += counted.rssBytes[i]!;
      cpuTimeMs += counted.cpuTimeMs[i]!;
    }
    const subject: Subject = { ...s.subject, cpu: Math.round(cpu * 10) / 10, rss, cpuTimeMs };
    next.push({ ...s, subject: settled.readsHistory ? withHistory(subject, yield* input.summaries(s.rolloutPath)) : subject });
  }

  const judged = copyMemory(memory);
  observeTick(next.map((s) => s.subject), settled.policies, judged, now);
  for (const { subject, config } of next) {
    for (const policy of config?.config.policies ?? []) {
      if (matches(policy, subject) && holdsWhen(policy, subject, judged, now) && dueToFire(policy, subject, judged, now)) return `policy ${policy.name} holds`;
    }
  }
  yield* usage.record(settled.members, counted.cpuTimeMs, now);
  adoptMemory(memory, judged);
  return { ...settled, watermark: started.now, young: started.processes, subjects: next } satisfies Settled;
});
