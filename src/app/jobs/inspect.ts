import * as Effect from "effect/Effect";
import { treeOf } from "../../core/codex.ts";
import type { Job } from "../../core/job.ts";
import type { ProcessInfo } from "../../core/process.ts";
import { CodexHistory, type RolloutSummary } from "../../services/CodexHistory.ts";
import { canReadOpenFiles, ProcessTable } from "../../services/ProcessTable.ts";
import { Usage } from "../../services/Usage.ts";
import { liveRoots } from "./sighting.ts";
import { observe } from "./observe.ts";
import { refreshJob } from "./refresh.ts";
import { type JobOutput, jobOutput } from "./output.ts";
import { findStrays } from "./strays.ts";
import { fn } from "../../core/fn.ts";

export interface JobDetail {
  readonly job: Job;
  /** The live tree: launcher, native Codex, every descendant, then its strays. */
  readonly tree: ReadonlyArray<ProcessInfo>;
  /** PIDs found only by the job's marker, cut off from its tree (a daemon its tool left): also in `tree`. */
  readonly strays: ReadonlyArray<number>;
  readonly cpu: number;
  readonly memory: number;
  readonly history: RolloutSummary | undefined;
  /** Why the history could not be read, when it could not. */
  readonly historyProblem: string | undefined;
  /** Codex's own stdout/stderr files and the last lines of its stderr. */
  readonly output: JobOutput;
  /**
   * What the process table could not read while this was looked at (`open files … (lsof not
   * found)`): the facts above that rest on it (the thread, strays) may be missing. Empty: none.
   */
  readonly unchecked: ReadonlyArray<string>;
}

/** One job in full: refreshed state, live tree with its load, and what its history says. */
export const inspectJob = fn("inspectJob")(function* (job: Job) {
  const history = yield* CodexHistory;
  const usage = yield* Usage;
  const table = yield* ProcessTable;
  const obs = yield* observe();
  const { job: current, sighting } = yield* refreshJob(job, obs);
  const own = treeOf(obs.table, liveRoots(sighting));
  const lost = (yield* findStrays(obs, new Set(own.map((p) => p.pid)), (id) => Effect.succeed(id === current.id ? current : undefined))).get(current.id)?.tree ?? [];
  const tree = [...own, ...lost];
  const samples = yield* usage.sample(tree, obs.at);
  let cpu = 0, memory = 0;
  for (const s of samples.values()) { cpu += s.cpu; memory += s.memory; }
  let summary: RolloutSummary | undefined;
  let historyProblem: string | undefined;
  if (current.rolloutPath) {
    const read = yield* history.summarize(current.rolloutPath).pipe(Effect.result);
    if (read._tag === "Success") summary = read.success;
    else historyProblem = read.failure._tag === "UnsupportedHistory"
      ? `unsupported Codex history format (codex ${read.failure.cliVersion ?? "version unknown"}): ${read.failure.reason}`
      : read.failure.reason;
  } else {
    historyProblem = current.status === "running" ? "Codex has not started its thread yet" : "no Codex history was found for this job";
  }
  const unchecked = table.gaps?.() ?? [];
  // a running job's thread is found by the rollout file its Codex holds open: unread, it was not looked for
  if (!current.rolloutPath && current.status === "running" && !canReadOpenFiles(table)) historyProblem = "its thread could not be looked for (see unchecked)";
  const output = yield* jobOutput(current);
  return { job: current, tree, strays: lost.map((p) => p.pid), cpu: Math.round(cpu * 10) / 10, memory, history: summary, historyProblem, output, unchecked } satisfies JobDetail;
});
