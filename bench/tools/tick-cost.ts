#!/usr/bin/env bun
/**
 * Where a watchdog tick's CPU goes: N Codex-shaped jobs and M idle processes, then each
 * stage of the tick timed in-process (CPU ms per call, median of R calls), and the quiet tick
 * that follows a full one when nothing but counters changed.
 *
 *   bun bench/tools/tick-cost.ts [--jobs 20] [--others 1000] [--reps 15]
 */
import { join } from "node:path";
import { Effect } from "effect";
import { appLayer, loadSettings } from "../../src/cli/runtime.ts";
import { listEverything } from "../../src/core/jobs/list.ts";
import { observe } from "../../src/core/jobs/refresh.ts";
import { emptyMemory } from "../../src/core/policy.ts";
import { ProcessTable } from "../../src/services/ProcessTable.ts";
import { configBook } from "../../src/watchdog/configs.ts";
import { jobSubject, summaryCache } from "../../src/watchdog/subjects.ts";
import { quietTick } from "../../src/watchdog/quiet.ts";
import { tick, type WatchState } from "../../src/watchdog/tick.ts";
import { createContext } from "../lib/context.ts";
import { jobFleet } from "../lib/jobs.ts";
import { spawnSleepers } from "../lib/sleepers.ts";
import { summarize } from "../lib/stats.ts";
import { EVERYDAY_POLICIES } from "../suites/watchdog.ts";

const arg = (name: string, fallback: number) => {
  const at = process.argv.indexOf(`--${name}`);
  return at >= 0 ? Number(process.argv[at + 1]) : fallback;
};

const cpuMs = () => { const u = process.cpuUsage(); return (u.user + u.system) / 1000; };

const ctx = createContext({ quick: false });
try {
  const db = join(ctx.root, "state", "fleet.db");
  ctx.writeConfig({ policies: EVERYDAY_POLICIES });
  const stop = await spawnSleepers(ctx, arg("others", 1000));
  await jobFleet(ctx, { CODEX_SUPERVISOR_DB: db }).grow(arg("jobs", 20));
  Object.assign(process.env, { ...ctx.env, CODEX_SUPERVISOR_DB: db });
  const reps = arg("reps", 15);
  const program = Effect.gen(function* () {
    const stages: Record<string, number[]> = {};
    const time = function* <A, E, R>(name: string, eff: Effect.Effect<A, E, R>) {
      const t0 = cpuMs();
      const out = yield* eff;
      (stages[name] ??= []).push(cpuMs() - t0);
      return out;
    };
    const table = yield* ProcessTable;
    const book = configBook({ fallbackCwd: ctx.root });
    const summaries = summaryCache();
    const state: WatchState = { book, memory: emptyMemory(), summaries, pluginsFor: () => Effect.succeed(undefined), settled: undefined };
    for (let i = 0; i < reps; i++) {
      yield* time("snapshot", table.snapshot());
      const obs = yield* time("observe", observe());
      const listed = yield* time("listEverything(obs)", listEverything({ all: false }, obs));
      yield* time("subjects", Effect.forEach(listed.jobs, (e) => jobSubject(e, summaries)));
      yield* time("configs", book.forDirs(listed.jobs.map((e) => e.job.cwd)));
      yield* time("tick (whole)", tick(state));
      const settled = state.settled;
      if (!settled) continue;
      const next = yield* time("quiet tick", quietTick({ settled, memory: state.memory, summaries, configsUnchanged: book.unchanged }));
      if (!next) (stages["quiet tick fell through"] ??= []).push(0);
    }
    for (const [name, xs] of Object.entries(stages)) {
      process.stdout.write(`${name.padEnd(22)} ${summarize(xs).median.toFixed(1).padStart(7)} ms CPU (median of ${xs.length})\n`);
    }
  });
  const settings = await Effect.runPromise(loadSettings({ cwd: ctx.root }));
  await Effect.runPromise(program.pipe(Effect.provide(appLayer(settings))));
  stop();
} finally {
  await ctx.cleanup();
}
