import { statSync } from "node:fs";
import * as Effect from "effect/Effect";
import { isCodexLauncher, isNativeCodex } from "../../core/codex.ts";
import { fn } from "../../core/fn.ts";
import type { Job } from "../../core/job.ts";
import { type ProcessInfo, sameProcess } from "../../core/process.ts";
import { CodexHistory, type RolloutSummary } from "../../services/CodexHistory.ts";
import { type JobEvent, JobStore } from "../../services/JobStore.ts";
import { ProcessTable, type Watermark } from "../../services/ProcessTable.ts";
import { Usage } from "../../services/Usage.ts";
import { listEverything } from "./list.ts";
import { observe } from "./observe.ts";

/** A row of the live view: one of the supervisor's jobs, or a Codex it did not start. */
export interface LiveRow {
  /** The job id, or `pid:<pid>` for another Codex. */
  readonly key: string;
  readonly job: Job | undefined;
  readonly kind: string;
  readonly pids: ReadonlyArray<number>;
  readonly cpu: number;
  readonly memory: number;
  readonly startedAt: number;
  readonly cwd: string | undefined;
  readonly tokens: number | undefined;
  readonly lastAgentMessage: string | undefined;
  readonly lastActivityAt: number | undefined;
  /** What a quiet look reads again: the tree as the last full look saw it. */
  readonly tree: ReadonlyArray<ProcessInfo>;
  readonly rolloutPath: string | undefined;
}

export interface LiveFrame {
  readonly jobs: ReadonlyArray<LiveRow>;
  readonly others: ReadonlyArray<LiveRow>;
  /** The newest events, oldest first. */
  readonly events: ReadonlyArray<JobEvent>;
  readonly at: number;
  /** A full look (the whole process table, the database), or a quiet one (the known trees' counters). */
  readonly full: boolean;
}

/** At least this often a full look, for what a quiet one cannot see (a process that became Codex by exec). */
const FULL_LOOK_AT_LEAST_EVERY_MS = 5 * 60_000;
/**
 * At most this often a full look for what the process table shows (a Codex started, a tree's root
 * ended): on a machine where Codex starts all the time (each full look costs 100-200 ms of CPU with
 * a thousand other processes, `bun bench/tools/top-cost.ts`), so in
 * between a look keeps counting the known trees and the change shows a few seconds later. A write
 * to the database (a job started or killed) is shown at the next look.
 */
const FULL_LOOK_AT_MOST_EVERY_MS = 10_000;

interface Settled {
  readonly frame: LiveFrame;
  /** Something the process table showed needs a full look, once one is allowed again. */
  readonly stale: boolean;
  readonly watermark: Watermark;
  readonly young: ReadonlyArray<ProcessInfo>;
  readonly dataVersion: number;
  readonly fullAt: number;
}

const activityOf = (s: RolloutSummary | undefined) => {
  const at = s?.lastActivityAt ? Date.parse(s.lastActivityAt) : Number.NaN;
  return Number.isNaN(at) ? undefined : at;
};

/**
 * The live view `top` draws, looked at again and again at a low cost. Like the watchdog's quiet
 * tick, a look proves nothing changed but counters with a few reads — the kernel's PID watermark
 * (no Codex started), each known tree's processes read as themselves, SQLite's data_version
 * (nobody wrote) — and then reads only the trees' CPU and memory.
 * Anything else, and every 5 minutes, makes it a full look: the process table, the jobs, the events.
 */
export const liveView = (options: { readonly events: number }) => {
  let settled: Settled | undefined;
  const summaries = new Map<string, { readonly size: number; readonly summary: RolloutSummary | undefined }>();

  /** A history's summary, read again only when the file grew. */
  const summaryOf = fn("liveView.summary")(function* (path: string | undefined) {
    if (!path) return undefined;
    let size: number;
    try { size = statSync(path).size; } catch { return undefined; }
    const hit = summaries.get(path);
    if (hit && hit.size === size) return hit.summary;
    const summary = yield* (yield* CodexHistory).summarize(path).pipe(Effect.orElseSucceed(() => undefined));
    summaries.set(path, { size, summary });
    return summary;
  });

  const withHistory = fn("liveView.withHistory")(function* (row: LiveRow) {
    const s = yield* summaryOf(row.rolloutPath);
    return { ...row, tokens: s?.tokens?.total, lastAgentMessage: s?.lastAgentMessage, lastActivityAt: activityOf(s) } satisfies LiveRow;
  });

  const full = fn("liveView.full")(function* () {
    const store = yield* JobStore;
    const dataVersion = yield* store.dataVersion();
    const obs = yield* observe();
    const listed = yield* listEverything({ all: false }, obs);
    const jobs: LiveRow[] = [];
    for (const e of listed.jobs) {
      jobs.push(yield* withHistory({
        key: e.job.id, job: e.job, kind: e.job.resumedFrom ? "exec-resume" : "exec", pids: e.pids, cpu: e.cpu, memory: e.memory,
        startedAt: e.job.createdAt, cwd: e.job.cwd, tokens: undefined, lastAgentMessage: undefined, lastActivityAt: undefined,
        tree: e.tree, rolloutPath: e.job.rolloutPath,
      }));
    }
    const others: LiveRow[] = [];
    for (const u of listed.untracked) {
      others.push(yield* withHistory({
        key: `pid:${u.pid}`, job: undefined, kind: u.kind, pids: u.pids, cpu: u.cpu, memory: u.memory, startedAt: u.startedAt, cwd: u.cwd,
        tokens: undefined, lastAgentMessage: undefined, lastActivityAt: undefined, tree: u.tree, rolloutPath: u.rolloutPath,
      }));
    }
    const events = yield* store.listEvents({ limit: options.events }).pipe(Effect.orElseSucceed((): ReadonlyArray<JobEvent> => []));
    const frame: LiveFrame = { jobs, others, events, at: obs.at, full: true };
    settled = obs.watermark === undefined ? undefined : { frame, stale: false, watermark: obs.watermark, young: [], dataVersion, fullAt: obs.at };
    return frame;
  });

  /**
   * The last frame with fresh counters; undefined when something changed that needs a full look. A
   * process that started under a known tree (a tool command) joins that tree, and one of a tree
   * that ended (not its launcher or native Codex) leaves it: a job at work does not make every
   * look a full one.
   */
  const quiet = fn("liveView.quiet")(function* (s: Settled) {
    const now = Date.now();
    if (now - s.fullAt >= FULL_LOOK_AT_LEAST_EVERY_MS) return undefined;
    const mayGoFull = now - s.fullAt >= FULL_LOOK_AT_MOST_EVERY_MS;
    if (s.stale && mayGoFull) return undefined;
    if ((yield* (yield* JobStore).dataVersion()) !== s.dataVersion) return undefined;
    const table = yield* ProcessTable;
    const started = yield* table.startedSince(s.watermark);
    if (!started) return undefined;
    let stale = s.stale || started.processes.some((p) => isCodexLauncher(p) || isNativeCodex(p));
    for (const p of s.young) {
      const live = sameProcess(p, yield* table.read(p.pid));
      if (live && (isCodexLauncher(live) || isNativeCodex(live))) stale = true;
    }
    if (stale && mayGoFull) return undefined;
    const rows = [...s.frame.jobs, ...s.frame.others];
    const trees = rows.map((r) => [...r.tree]);
    const rowOf = new Map<number, number>();
    trees.forEach((tree, i) => { for (const p of tree) rowOf.set(p.pid, i); });
    for (const p of started.processes) {
      const row = rowOf.get(p.ppid);
      if (row !== undefined) { trees[row]!.push(p); rowOf.set(p.pid, row); }
    }
    const roots = new Set(rows.flatMap((r) => r.pids));
    let members = trees.flat();
    let counted = yield* table.counters(members);
    for (let tries = 0; counted._tag === "Changed"; tries++) {
      const { pid, change } = counted;
      if (tries >= 20 || ((change !== "ended" || roots.has(pid)) && mayGoFull)) return undefined;
      if (change !== "ended" || roots.has(pid)) stale = true;
      const row = rowOf.get(pid)!;
      trees[row] = trees[row]!.filter((p) => p.pid !== pid);
      members = trees.flat();
      counted = yield* table.counters(members);
    }
    const usage = yield* Usage;
    const shares = yield* usage.shares(members, counted.cpuTimeMs, now);
    yield* usage.record(members, counted.cpuTimeMs, now);
    const next: LiveRow[] = [];
    let i = 0;
    for (const [r, row] of rows.entries()) {
      let cpu = 0, memory = 0;
      for (const end = i + trees[r]!.length; i < end; i++) { cpu += shares[i]!; memory += counted.rssBytes[i]!; }
      next.push(yield* withHistory({ ...row, tree: trees[r]!, cpu: Math.round(cpu * 10) / 10, memory }));
    }
    const frame: LiveFrame = { ...s.frame, jobs: next.slice(0, s.frame.jobs.length), others: next.slice(s.frame.jobs.length), at: now, full: false };
    settled = { ...s, frame, stale, watermark: started.now, young: started.processes.filter((p) => !rowOf.has(p.pid)) };
    return frame;
  });

  return {
    /** A frame: quiet when nothing changed but counters, else full. */
    look: fn("liveView.look")(function* () {
      const q = settled ? yield* quiet(settled).pipe(Effect.orElseSucceed(() => undefined)) : undefined;
      return q ?? (yield* full());
    }),
    /** The next look is a full one (after this process wrote: its own writes leave data_version alone). */
    forget: () => { settled = undefined; },
  };
};
