#!/usr/bin/env bun
/**
 * Where a quiet tick's CPU goes: N Codex-shaped jobs and M idle processes, one full tick,
 * then each step of the quiet tick timed in-process (CPU µs per call, median of R calls).
 * With --pause, each step runs that many ms after the last, as a tick runs every few seconds:
 * with cold caches and, under watch's settings (BUN_JSC_useDFGJIT=0 BUN_JSC_useConcurrentJIT=0
 * in the environment), the baseline JIT only.
 *
 *   bun bench/tools/quiet-cost.ts [--jobs 100] [--others 1000] [--reps 50] [--pause 0]
 */
import { endBook } from "../../src/watchdog/ended.ts";
import { Effect } from "effect";
import { emptyMemory, holdsWhen, matches, observeTick } from "../../src/core/policy.ts";
import { JobStore } from "../../src/services/JobStore.ts";
import { ProcessTable } from "../../src/services/ProcessTable.ts";
import { Usage } from "../../src/services/Usage.ts";
import { configBook } from "../../src/watchdog/configs.ts";
import { quietTick } from "../../src/watchdog/quiet.ts";
import { summaryCache } from "../../src/watchdog/subjects.ts";
import { makeJournal } from "../../src/watchdog/journal.ts";
import { tick, type WatchState } from "../../src/watchdog/tick.ts";
import { inFleet, numberArg, stageTimer } from "../lib/inProcess.ts";

await inFleet({ jobs: numberArg("jobs", 100), others: numberArg("others", 1000) }, (ctx) => Effect.gen(function* () {
  const timer = stageTimer("µs");
  const pause = numberArg("pause", 0);
  const time = <A, E, R>(name: string, eff: Effect.Effect<A, E, R>): Effect.Effect<A, E, R> =>
    Effect.andThen(pause > 0 ? Effect.sleep(pause) : Effect.void, Effect.gen(() => timer.time(name, eff)));
  const report = timer.report;
  const sync = <A>(name: string, f: () => A) => time(name, Effect.sync(f));
  const table = yield* ProcessTable;
  const store = yield* JobStore;
  const usage = yield* Usage;
  const book = configBook({ fallbackCwd: ctx.root });
  const summaries = summaryCache();
  const state: WatchState = { book, memory: emptyMemory(), summaries, pluginsFor: () => Effect.succeed(undefined), crew: { journal: makeJournal(() => {}), inflight: new Map() }, settled: undefined, ends: endBook() };
  yield* tick(state);
  const settled = state.settled;
  if (!settled) throw new Error("the full tick did not settle");
  const known = settled.members;
  for (let i = 0; i < numberArg("reps", 50); i++) {
    yield* time("startedSince", table.startedSince(settled.watermark));
    yield* time("dataVersion", store.dataVersion());
    yield* sync("configs unchanged", () => book.unchanged(settled.dirs));
    const counted = yield* time(`counters of ${known.length} processes`, table.counters(known));
    if (counted._tag === "Changed") throw new Error(`process ${counted.pid} ${counted.change}`);
    yield* time("usage shares", usage.shares(known, counted.cpuTimeMs, Date.now()));
    yield* time(`summaries ×${settled.subjects.length}`, Effect.forEach(settled.subjects, (s) => summaries(s.rolloutPath)));
    const memory = emptyMemory();
    yield* sync("observeTick", () => observeTick(settled.subjects.map((s) => s.subject), settled.policies, memory, Date.now()));
    yield* sync("judge", () => {
      for (const { subject, config } of settled.subjects) for (const p of config?.config.policies ?? []) if (matches(p, subject)) holdsWhen(p, subject, memory, Date.now());
    });
    const next = yield* time("quiet tick (whole)", quietTick({ settled, memory: state.memory, summaries, configsUnchanged: book.unchanged }));
    if (typeof next === "string") throw new Error(`the quiet tick handed over to a full one: ${next}`);
  }
  report();
}));
