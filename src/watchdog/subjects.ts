import { existsSync, statSync } from "node:fs";
import { delimiter, isAbsolute, join, resolve } from "node:path";
import * as Effect from "effect/Effect";
import type { JobEntry, UntrackedEntry } from "../app/jobs/list.ts";
import type { Observation } from "../app/jobs/observe.ts";
import type { PythonEnv } from "../core/job.ts";
import type { ProcessInfo } from "../core/process.ts";
import { discoverVenv } from "../core/python.ts";
import { MISSING_MODULE_REPEATS } from "../core/policy.ts";
import type { Subject } from "../core/subject.ts";
import { isAdoptedBy } from "../core/tree.ts";
import { CodexHistory, type RolloutSummary } from "../services/CodexHistory.ts";
import { ProcessTable } from "../services/ProcessTable.ts";
import { fn } from "../core/fn.ts";

const PYTHON = /^python[0-9.]*$/;
const isFile = (p: string) => { try { return statSync(p).isFile(); } catch { return false; } };

/** The interpreter a `python` process was started as: its argv[0], looked up on its own PATH. */
const invokedAs = (p: ProcessInfo, env: ReadonlyMap<string, string> | undefined, cwd: string | undefined): string | undefined => {
  const argv0 = p.argv[0];
  if (!argv0) return undefined;
  if (argv0.includes("/")) return isAbsolute(argv0) ? argv0 : cwd ? resolve(cwd, argv0) : undefined;
  for (const dir of (env?.get("PATH") ?? "").split(delimiter)) {
    if (dir && existsSync(join(dir, argv0))) return join(dir, argv0);
  }
  return undefined;
};

/** Python processes in the tree that did not start from the expected env's bin directory. */
const foreignInterpreters = fn("foreignInterpreters")(function* (tree: ReadonlyArray<ProcessInfo>, expected: PythonEnv | undefined, cwd: string | undefined) {
  const table = yield* ProcessTable;
  const bin = expected?.kind === "venv" ? join(expected.venv!, "bin") : undefined;
  const exact = expected?.kind === "python" ? expected.python : undefined;
  if (!bin && !exact) return [];
  const out: string[] = [];
  for (const p of tree) {
    if (!PYTHON.test(p.name) && !PYTHON.test((p.argv[0] ?? "").split("/").pop() ?? "")) continue;
    const path = invokedAs(p, yield* table.environ(p.pid), cwd);
    if (path && !(bin ? path.startsWith(`${bin}/`) : path === exact)) out.push(path);
  }
  return [...new Set(out)];
});

export const cpuTime = (tree: ReadonlyArray<ProcessInfo>) => tree.reduce((sum, p) => sum + p.cpuTimeMs, 0);

const repeated = (summary: RolloutSummary | undefined) =>
  Object.entries(summary?.missingModules ?? {}).filter(([, n]) => n >= MISSING_MODULE_REPEATS).map(([m]) => m);

const activity = (summary: RolloutSummary | undefined) => {
  const at = summary?.lastActivityAt ? Date.parse(summary.lastActivityAt) : Number.NaN;
  return Number.isNaN(at) ? undefined : at;
};

/** Summaries cached by file size: an unchanged rollout is not read again. */
export const summaryCache = () => {
  const cache = new Map<string, { size: number; summary: RolloutSummary }>();
  return fn("summaryCache.get")(function* (path: string | undefined) {
    if (!path) return undefined;
    const history = yield* CodexHistory;
    let size: number;
    try { size = statSync(path).size; } catch { return undefined; }
    const hit = cache.get(path);
    if (hit && hit.size === size) return hit.summary;
    const summary = yield* history.summarize(path).pipe(Effect.orElseSucceed(() => undefined));
    if (summary) cache.set(path, { size, summary });
    return summary;
  });
};

export type SummaryReader = ReturnType<typeof summaryCache>;

/** A subject with what its history says now: when it last did something, tokens used, retry loops. */
export const withHistory = (subject: Subject, summary: RolloutSummary | undefined): Subject => ({
  ...subject,
  lastActivityAt: activity(summary),
  tokens: summary?.tokens?.total,
  python: { ...subject.python, repeatedMissingModules: repeated(summary) },
});

export const jobSubject = fn("jobSubject")(function* (entry: JobEntry, read: SummaryReader) {
  const { job, sighting } = entry;
  const summary = yield* read(job.rolloutPath);
  return withHistory({
    key: job.id,
    tracked: true,
    job,
    name: job.name,
    cwd: job.cwd,
    kind: job.resumedFrom ? "exec-resume" : "exec",
    pid: job.launcher.pid,
    pids: entry.pids,
    threadId: job.threadId,
    startedAt: job.createdAt,
    rss: entry.memory,
    cpu: entry.cpu,
    cpuTimeMs: cpuTime(entry.tree),
    // our launcher's parent is init by design (it is detached); losing the launcher is what orphans a job,
    // and an ended job whose strays live on (a daemon its tool left) is nothing but orphans
    orphaned: !sighting.launcher && (sighting.native !== undefined || entry.strays.length > 0),
    lastActivityAt: undefined,
    tokens: undefined,
    python: { foreignInterpreters: yield* foreignInterpreters(entry.tree, job.python, job.cwd), repeatedMissingModules: [] },
  }, summary);
});

export const untrackedSubject = fn("untrackedSubject")(function* (entry: UntrackedEntry, obs: Observation, read: SummaryReader, venvNames: ReadonlyArray<string>) {
  const summary = yield* read(entry.rolloutPath);
  const root = obs.byPid.get(entry.pid);
  const tree = entry.tree;
  const venv = entry.cwd ? discoverVenv(entry.cwd, venvNames, { isFile }) : undefined;
  return withHistory({
    key: `pid:${entry.pid}:${root?.startTime ?? "?"}`,
    tracked: false,
    job: undefined,
    name: undefined,
    cwd: entry.cwd,
    kind: entry.kind,
    pid: entry.pid,
    pids: tree.map((p) => p.pid),
    threadId: entry.threadId,
    startedAt: entry.startedAt,
    rss: entry.memory,
    cpu: entry.cpu,
    cpuTimeMs: cpuTime(tree),
    orphaned: isAdoptedBy(entry.ppid, obs.byPid.get(entry.ppid)),
    lastActivityAt: undefined,
    tokens: undefined,
    python: {
      foreignInterpreters: yield* foreignInterpreters(tree, venv ? { kind: "venv", venv, source: "discovered" } : undefined, entry.cwd),
      repeatedMissingModules: [],
    },
  }, summary);
});
