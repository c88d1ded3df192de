import * as Clock from "effect/Clock";
import * as Effect from "effect/Effect";
import type { LoadedConfig } from "../config/load.ts";
import { sweepJobCgroups } from "../app/jobs/cgroup.ts";
import { listEverything } from "../app/jobs/list.ts";
import { observe } from "../app/jobs/observe.ts";
import { dueToFire, evaluateWhen, firingKey, holdsWhen, matches, observeTick, type PolicyMemory } from "../core/policy.ts";
import type { Subject } from "../core/subject.ts";
import type { LoadedPlugins } from "../hooks/host.ts";
import { pluginErrorText, runOnJobEnd, runOnTick } from "../hooks/host.ts";
import { JobStore } from "../services/JobStore.ts";
import type { configBook } from "./configs.ts";
import { fire, type FiringCrew } from "./fire.ts";
import { canSettle, settle, type Settled, type SettledSubject } from "./quiet.ts";
import { jobSubject, type SummaryReader, untrackedSubject } from "./subjects.ts";
import { fn } from "../core/fn.ts";
import type { EndBook } from "./ended.ts";

export interface WatchState {
  readonly book: ReturnType<typeof configBook>;
  readonly memory: PolicyMemory;
  readonly summaries: SummaryReader;
  /** The plugins a config asks for, loaded once per distinct config. */
  readonly pluginsFor: (config: LoadedConfig) => Effect.Effect<LoadedPlugins | undefined>;
  /** Where events go (kept while the database cannot be written), and the kills still running. */
  readonly crew: FiringCrew;
  /** What the last full tick saw, when quiet ticks may follow it. */
  settled: Settled | undefined;
  /** The ended jobs `when.ended` policies still judge. */
  readonly ends: EndBook;
}

/**
 * One tick: snapshot → refresh jobs → subjects → evaluate every policy of each
 * subject's own config → act → record. Each subject is judged by the config found
 * from its cwd (project over global).
 */
export const tick = fn("watchdog.tick")(function* (state: WatchState) {
  const store = yield* JobStore;
  const now = yield* Clock.currentTimeMillis;
  state.settled = undefined;
  // read before looking: a write while this tick looks makes the next tick a full one
  const dataVersion = yield* store.dataVersion();
  const obs = yield* observe();
  const watermark = obs.watermark;
  const listed = yield* listEverything({ all: false }, obs);
  // the empty groups of jobs that ended a minute ago or more, stragglers and all
  yield* sweepJobCgroups();
  const subjects: Subject[] = [];
  // per subject, in the same order: what a quiet tick reads again
  const follow: Array<Omit<SettledSubject, "subject" | "config">> = [];
  for (const entry of listed.jobs) {
    subjects.push(yield* jobSubject(entry, state.summaries));
    follow.push({ tree: entry.tree, rolloutPath: entry.job.rolloutPath, threadHolders: [] });
  }

  const dirs = [
    ...subjects.flatMap((s) => (s.cwd ? [s.cwd] : [])),
    ...listed.untracked.flatMap((u) => (u.cwd ? [u.cwd] : [])),
  ];
  // ended jobs' folders get their configs too, but are no part of what quiet ticks watch
  const ends = yield* state.ends.pending(listed.ended, now);
  const { configs, problems, fallback } = yield* state.book.forDirs([...dirs, ...ends.map((j) => j.cwd)]);
  for (const p of problems) {
    yield* state.crew.journal.append({ kind: "config-error", message: `config error in ${p.error.file} (keeping the last good config): ${p.error.issues.map((i) => `${i.path ? `${i.path}: ` : ""}${i.message}`).join("; ")}` });
  }
  const venvNames = fallback?.config.python.names ?? [".venv", "venv"];
  for (const entry of listed.untracked) {
    subjects.push(yield* untrackedSubject(entry, obs, state.summaries, venvNames));
    follow.push({ tree: entry.tree, rolloutPath: entry.rolloutPath, threadHolders: entry.threadHolders });
  }
  const configFor = (s: Subject) => (s.cwd ? configs.get(s.cwd) : undefined) ?? fallback;

  const policies = [...configs.values()].flatMap((c) => c.config.policies);
  observeTick(subjects, policies, state.memory, now);
  for (const subject of subjects) {
    const config = configFor(subject);
    if (!config) continue;
    for (const policy of config.config.policies) {
      if (!matches(policy, subject) || !holdsWhen(policy, subject, state.memory, now) || !dueToFire(policy, subject, state.memory, now)) continue;
      // the previous try of this firing is still killing: a second kill of the same tree would race it
      if (state.crew.inflight.has(firingKey(subject, policy))) continue;
      const { reasons } = evaluateWhen(policy, subject, state.memory, now);
      const plugins = yield* state.pluginsFor(config);
      if (!plugins) continue;
      yield* fire({ subject, policy, reasons, config, plugins }, obs, state.memory, now, state.crew);
    }
  }

  // an end still waiting for its kill's event is judged by a later full tick
  const endsWaiting = yield* state.ends.judge(ends, (cwd) => configs.get(cwd) ?? fallback, state, obs, now);

  const plugins = fallback ? yield* state.pluginsFor(fallback) : undefined;
  if (plugins) {
    for (const job of listed.ended) {
      yield* state.crew.journal.append({ jobId: job.id, kind: "state", message: `job ${job.id.slice(0, 8)} ${job.status}` });
      for (const e of yield* runOnJobEnd(plugins, { job })) {
        yield* state.crew.journal.append({ jobId: job.id, kind: "error", message: pluginErrorText(e) });
      }
    }
    for (const e of yield* runOnTick(plugins, { at: now, subjects })) {
      yield* state.crew.journal.append({ kind: "error", message: pluginErrorText(e) });
    }
  }
  const settled = subjects.map((subject, i) => ({ subject, config: configFor(subject), ...follow[i]! }));
  if (watermark !== undefined && !endsWaiting && canSettle(settled, { onTick: plugins?.plugins.some((p) => p.plugin.onTick) ?? false, now })) {
    state.settled = settle({ watermark, young: [], dataVersion, fullAt: now, dirs: [...new Set(dirs)], policies, subjects: settled });
  }
  return { subjects: subjects.length, judged: subjects, at: now, fallback };
});
