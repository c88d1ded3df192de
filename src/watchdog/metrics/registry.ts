import * as Context from "effect/Context";
import * as Metric from "effect/Metric";
import { FINAL_STATUSES, isFinal, type JobStatus } from "../../core/job.ts";
import type { Subject } from "../../core/subject.ts";

/** What one tick saw, for the gauges: they show the last tick, nothing older. */
export interface TickFacts {
  /** Epoch ms when the tick started. */
  readonly at: number;
  readonly durationMs: number;
  /** The subjects it judged: read only when a scrape or a push asks. */
  readonly subjects: () => ReadonlyArray<Subject>;
  /** Jobs in the database by status, when this tick read them (else the last counts still hold). */
  readonly jobs: ReadonlyMap<string, number> | undefined;
}

const STATUSES: ReadonlyArray<JobStatus> = ["starting", "running", ...FINAL_STATUSES];
const KILL_RESULTS = ["killed", "survivors", "already-gone"] as const;
// from a fraction of a millisecond (a quiet tick) to a slow full tick on a loaded machine
const TICK_BOUNDARIES = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

const HELP = {
  lastTick: "When the watchdog's last tick that did not fail started (Unix time): an alert sees a stuck watchdog by it.",
  jobs: "Jobs in the database by status.",
  start: "When the running job started (Unix time): its runtime is time() minus this.",
  cpu: "CPU time the running job's live process tree has used.",
  memory: "Resident memory of the running job's process tree.",
  tokens: "Tokens the running job's thread has used.",
  untracked: "Codex programs running that the supervisor did not start.",
};

const gauge = (id: string, description: string, value: number, attributes?: Metric.Metric.AttributeSet): Metric.Metric.Snapshot =>
  ({ id, type: "Gauge", description, attributes, state: { value } });

/** The gauges of one tick, as snapshots: nothing is kept per job between ticks. */
const gaugesOf = (facts: TickFacts, jobs: ReadonlyMap<string, number>): Metric.Metric.Snapshot[] => {
  const out = [gauge("codex_supervisor_last_tick_timestamp_seconds", HELP.lastTick, facts.at / 1000)];
  for (const status of STATUSES) out.push(gauge("codex_supervisor_jobs", HELP.jobs, jobs.get(status) ?? 0, { status }));
  const perJob: Metric.Metric.Snapshot[][] = [[], [], [], []];
  let untracked = 0;
  for (const s of facts.subjects()) {
    if (!s.tracked) { untracked++; continue; }
    // a stray of an ended job is judged by policies, but the job is over: its labels go
    if (!s.job || isFinal(s.job.status)) continue;
    const labels = { job_id: s.key, name: s.name ?? "", cwd: s.cwd ?? "" };
    perJob[0]!.push(gauge("codex_supervisor_job_start_time_seconds", HELP.start, s.startedAt / 1000, labels));
    perJob[1]!.push(gauge("codex_supervisor_job_cpu_seconds", HELP.cpu, s.cpuTimeMs / 1000, labels));
    perJob[2]!.push(gauge("codex_supervisor_job_memory_bytes", HELP.memory, s.rss, labels));
    if (s.tokens !== undefined) perJob[3]!.push(gauge("codex_supervisor_job_tokens", HELP.tokens, s.tokens, labels));
  }
  out.push(...perJob.flat(), gauge("codex_supervisor_untracked_codex", HELP.untracked, untracked));
  return out;
};

/**
 * The watchdog's metrics. Counters and the tick histogram are Effect metrics in a registry of
 * their own, accumulating for the watchdog's life. The gauges describe the last tick only: a tick
 * keeps what it saw, and a scrape or a push builds them from it, so a tick costs nearly nothing
 * (`bun bench/tools/metrics-cost.ts`) and a job that ended, labels and all, is gone from the next one.
 */
export const makeRegistry = () => {
  const cumulative = Context.make(Metric.MetricRegistry, new Map());
  let jobs: ReadonlyMap<string, number> = new Map();
  let last: TickFacts | undefined;
  let built: { readonly of: TickFacts; readonly gauges: ReadonlyArray<Metric.Metric.Snapshot> } | undefined;

  const firings = Metric.counter("codex_supervisor_policy_firings_total", { description: "Policy actions run, by policy, action and result (done or not-done).", incremental: true });
  const kills = (result: string) => Metric.counter("codex_supervisor_kills_total", { description: "Whole-tree kills the watchdog's policies made, by result.", incremental: true, attributes: { result } });
  const refused = Metric.counter("codex_supervisor_kills_refused_total", { description: "Kills refused because a process was no longer provably the job's (a reused PID, another user's).", incremental: true });
  const notifyFailures = Metric.counter("codex_supervisor_notify_failures_total", { description: "notify actions that reached no channel.", incremental: true });
  const tickFailures = Metric.counter("codex_supervisor_tick_failures_total", { description: "Ticks that failed (the loop goes on; see events of kind tick-error).", incremental: true });
  const tickSeconds = Metric.histogram("codex_supervisor_tick_duration_seconds", { description: "How long each watchdog tick took (full and quiet).", boundaries: TICK_BOUNDARIES });
  // the series an alert watches exist from the start: increase() misses a counter's first sample
  for (const result of KILL_RESULTS) kills(result).updateUnsafe(0, cumulative);
  refused.updateUnsafe(0, cumulative);
  notifyFailures.updateUnsafe(0, cumulative);
  tickFailures.updateUnsafe(0, cumulative);

  return {
    firing: (policy: string, action: string, done: boolean) => {
      Metric.withAttributes(firings, { policy, action, result: done ? "done" : "not-done" }).updateUnsafe(1, cumulative);
      if (action === "notify" && !done) notifyFailures.updateUnsafe(1, cumulative);
    },
    /** A kill's result as KillSummary says it: killed, survivors, already-gone or refused. */
    kill: (result: string) => (result === "refused" ? refused : kills(result)).updateUnsafe(1, cumulative),
    tickFailed: () => tickFailures.updateUnsafe(1, cumulative),
    tick: (facts: TickFacts) => {
      tickSeconds.updateUnsafe(facts.durationMs / 1000, cumulative);
      if (facts.jobs) jobs = facts.jobs;
      last = facts;
    },
    /** Every series: the counters and histogram, then the last tick's gauges (built once per tick). */
    snapshot: (): ReadonlyArray<Metric.Metric.Snapshot> => {
      if (last && built?.of !== last) built = { of: last, gauges: gaugesOf(last, jobs) };
      return [...Metric.snapshotUnsafe(cumulative), ...(built?.gauges ?? [])];
    },
  };
};

export type Registry = ReturnType<typeof makeRegistry>;
