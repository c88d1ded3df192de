import * as Effect from "effect/Effect";
import type { LoadedConfig } from "../config/load.ts";
import { fn } from "../core/fn.ts";
import { isFinal, type Job } from "../core/job.ts";
import { type Killer, killerOf, killRecordPending } from "../app/jobs/killer.ts";
import type { Observation } from "../app/jobs/observe.ts";
import { dueToFire, evaluateWhen, firingKey, holdsWhen, matches } from "../core/policy.ts";
import type { Subject } from "../core/subject.ts";
import { JobStore } from "../services/JobStore.ts";
import { fire } from "./fire.ts";
import { type SummaryReader, withHistory } from "./subjects.ts";
import type { WatchState } from "./tick.ts";

/**
 * How far back a look finds ends that no watchdog saw happen (none was running): a job that ended
 * in the last day is told of once when a watchdog next looks; an older end is history, not news.
 */
export const ENDED_LOOKBACK_MS = 24 * 3_600_000;
// Bounds the read by the status index (a job created longer ago than this that ended unseen is left out).
const CREATED_LOOKBACK_MS = 7 * 24 * 3_600_000;
const MAX_ENDS_PER_LOOK = 500;

/** An ended job as `when.ended` policies judge it: no processes, its history's tokens and last message, who killed it. */
const endedSubject = fn("endedSubject")(function* (job: Job, killer: Killer, read: SummaryReader, now: number) {
  const summary = yield* read(job.rolloutPath);
  const subject: Subject = {
    key: job.id, tracked: true, job, name: job.name, cwd: job.cwd, kind: job.resumedFrom ? "exec-resume" : "exec",
    pid: job.launcher.pid, pids: [], threadId: job.threadId, startedAt: job.createdAt, rss: 0, cpu: 0, cpuTimeMs: 0,
    orphaned: false, lastActivityAt: undefined, tokens: undefined,
    python: { foreignInterpreters: [], repeatedMissingModules: [] },
    end: {
      status: job.status, at: job.endedAt ?? now, exitCode: job.exitCode, killedBy: killer.by, killReason: killer.why,
      lastAgentMessage: summary?.lastAgentMessage,
    },
  };
  return withHistory(subject, summary);
});

/**
 * What `when.ended` policies judge each full tick: the jobs this look saw end, and those recorded
 * as ended in the last day that no watchdog told of (it was not running, or another one was). A
 * job whose every `ended` policy fired, or does not apply, is not judged again.
 */
export const endBook = () => {
  const settled = new Set<string>();

  /** The ended jobs still to judge. */
  const pending = fn("endBook.pending")(function* (seen: ReadonlyArray<Job>, now: number) {
    const store = yield* JobStore;
    const recorded = yield* store.endedSince({ since: now - ENDED_LOOKBACK_MS, createdSince: now - CREATED_LOOKBACK_MS, limit: MAX_ENDS_PER_LOOK }).pipe(
      Effect.orElseSucceed((): ReadonlyArray<Job> => []),
    );
    const byId = new Map<string, Job>();
    for (const job of [...recorded, ...seen]) if (isFinal(job.status) && !settled.has(job.id)) byId.set(job.id, job);
    return [...byId.values()];
  });

  /**
   * Fires each `ended` policy once per ended job. The firing is claimed in the database first (one
   * row per policy and job), so a restarted watchdog, or a second one, never tells of it twice.
   * A job killed moments ago by another process waits for that kill's event, so that the notice
   * says who killed it; returns whether any did (a later tick judges them).
   */
  const judge = fn("endBook.judge")(function* (ends: ReadonlyArray<Job>, configFor: (cwd: string) => LoadedConfig | undefined, state: WatchState, obs: Observation, now: number) {
    let waiting = false;
    for (const job of ends) {
      const config = configFor(job.cwd);
      if (!config) continue;
      // nothing to tell of it: settled, as below
      if (!config.config.policies.some((p) => p.when.ended !== undefined)) { settled.add(job.id); continue; }
      const killer = yield* killerOf(job);
      if (killRecordPending(job, killer, now)) { waiting = true; continue; }
      let subject: Subject | undefined;
      // settled once each of its `ended` policies fired or does not apply to it: its end never changes
      let unsettled = false;
      for (const policy of config.config.policies) {
        if (policy.when.ended === undefined) continue;
        const key = firingKey({ key: job.id }, policy);
        if (state.memory.fired.has(key)) continue;
        subject ??= yield* endedSubject(job, killer, state.summaries, now);
        if (!matches(policy, subject) || !holdsWhen(policy, subject, state.memory, now)) continue;
        const plugins = dueToFire(policy, subject, state.memory, now) && !state.crew.inflight.has(key) ? yield* state.pluginsFor(config) : undefined;
        if (plugins) {
          const { reasons } = evaluateWhen(policy, subject, state.memory, now);
          yield* fire({ subject, policy, reasons, config, plugins }, obs, state.memory, now, state.crew);
        }
        if (!state.memory.fired.has(key)) unsettled = true;
      }
      if (!unsettled) settled.add(job.id);
    }
    return waiting;
  });

  return { pending, judge };
};

export type EndBook = ReturnType<typeof endBook>;
