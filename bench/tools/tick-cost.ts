#!/usr/bin/env bun
/**
 * Where a watchdog tick's CPU goes: N Codex-shaped jobs and M idle processes, then each
 * stage of the tick timed in-process (CPU ms per call, median of R calls), and the quiet tick
 * that follows a full one when nothing but counters changed.
 *
 *   bun bench/tools/tick-cost.ts [--jobs 20] [--others 1000] [--reps 15]
 */
import { endBook } from "../../src/watchdog/ended.ts";
import { Effect } from "effect";
import { listEverything } from "../../src/app/jobs/list.ts";
import { observe } from "../../src/app/jobs/observe.ts";
import { emptyMemory } from "../../src/core/policy.ts";
import { ProcessTable } from "../../src/services/ProcessTable.ts";
import { configBook } from "../../src/watchdog/configs.ts";
import { quietTick } from "../../src/watchdog/quiet.ts";
import { jobSubject, summaryCache } from "../../src/watchdog/subjects.ts";
import { makeJournal } from "../../src/watchdog/journal.ts";
import { tick, type WatchState } from "../../src/watchdog/tick.ts";
import { inFleet, numberArg, stageTimer } from "../lib/inProcess.ts";

await inFleet({ jobs: numberArg("jobs", 20), others: numberArg("others", 1000) }, (ctx) => Effect.gen(function* () {
  const { time, report } = stageTimer("ms");
  const table = yield* ProcessTable;
  const book = configBook({ fallbackCwd: ctx.root });
  const summaries = summaryCache();
  const state: WatchState = { book, memory: emptyMemory(), summaries, pluginsFor: () => Effect.succeed(undefined), crew: { journal: makeJournal(() => {}), inflight: new Map() }, settled: undefined, ends: endBook() };
  for (let i = 0; i < numberArg("reps", 15); i++) {
    yield* time("snapshot", table.snapshot());
    const obs = yield* time("observe", observe());
    const listed = yield* time("listEverything(obs)", listEverything({ all: false }, obs));
    yield* time("subjects", Effect.forEach(listed.jobs, (e) => jobSubject(e, summaries)));
    yield* time("configs", book.forDirs(listed.jobs.map((e) => e.job.cwd)));
    yield* time("tick (whole)", tick(state));
    const settled = state.settled;
    if (!settled) continue;
    const next = yield* time("quiet tick", quietTick({ settled, memory: state.memory, summaries, configsUnchanged: book.unchanged }));
    if (typeof next === "string") yield* time(`quiet tick handed over: ${next}`, Effect.void);
  }
  report();
}));
