#!/usr/bin/env bun
/**
 * Where a quiet tick's CPU goes: N Codex-shaped jobs and M idle processes, one full tick,
 * then each step of the quiet tick timed in-process (CPU µs per call, median of R calls).
 *
 *   bun bench/tools/quiet-cost.ts [--jobs 100] [--others 1000] [--reps 50]
 */
import { join } from "node:path";
import { Effect } from "effect";
import { appLayer, loadSettings } from "../../src/cli/runtime.ts";
import { emptyMemory, evaluateWhen, matches, observeTick } from "../../src/core/policy.ts";
import { JobStore } from "../../src/services/JobStore.ts";
import { ProcessTable } from "../../src/services/ProcessTable.ts";
import { Usage } from "../../src/services/Usage.ts";
import { configBook } from "../../src/watchdog/configs.ts";
import { quietTick } from "../../src/watchdog/quiet.ts";
import { summaryCache } from "../../src/watchdog/subjects.ts";
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
const cpuUs = () => { const u = process.cpuUsage(); return u.user + u.system; };

const ctx = createContext({ quick: false });
try {
  const db = join(ctx.root, "state", "fleet.db");
  ctx.writeConfig({ policies: EVERYDAY_POLICIES });
  const stop = await spawnSleepers(ctx, arg("others", 1000));
  await jobFleet(ctx, { CODEX_SUPERVISOR_DB: db }).grow(arg("jobs", 100));
  Object.assign(process.env, { ...ctx.env, CODEX_SUPERVISOR_DB: db });
  const reps = arg("reps", 50);
  const program = Effect.gen(function* () {
    const stages: Record<string, number[]> = {};
    const time = function* <A, E, R>(name: string, eff: Effect.Effect<A, E, R>) {
      const t0 = cpuUs();
      const out = yield* eff;
      (stages[name] ??= []).push(cpuUs() - t0);
      return out;
    };
    const sync = <A>(name: string, f: () => A) => time(name, Effect.sync(f));
    const table = yield* ProcessTable;
    const store = yield* JobStore;
    const usage = yield* Usage;
    const book = configBook({ fallbackCwd: ctx.root });
    const summaries = summaryCache();
    const state: WatchState = { book, memory: emptyMemory(), summaries, pluginsFor: () => Effect.succeed(undefined), settled: undefined };
    yield* tick(state);
    const settled = state.settled;
    if (!settled) throw new Error("the full tick did not settle");
    const known = settled.subjects.flatMap((s) => s.tree);
    for (let i = 0; i < reps; i++) {
      yield* time("startedSince", table.startedSince(settled.watermark));
      yield* time("dataVersion", store.dataVersion());
      yield* sync("configs unchanged", () => book.unchanged(settled.dirs));
      const fresh = (yield* time(`refresh ${known.length} processes`, table.refresh(known))) as never[];
      yield* time("usage sample (dry)", usage.sample(fresh, Date.now(), { dryRun: true }));
      yield* time(`summaries ×${settled.subjects.length}`, Effect.forEach(settled.subjects, (s) => summaries(s.rolloutPath)));
      const memory = emptyMemory();
      yield* sync("observeTick", () => observeTick(settled.subjects.map((s) => s.subject), settled.policies, memory, Date.now()));
      yield* sync("evaluate", () => {
        for (const { subject, config } of settled.subjects) for (const p of config?.config.policies ?? []) if (matches(p, subject)) evaluateWhen(p, subject, memory, Date.now());
      });
      const next = yield* time("quiet tick (whole)", quietTick({ settled, memory: state.memory, summaries, configsUnchanged: book.unchanged }));
      if (!next) throw new Error("the quiet tick fell through");
    }
    for (const [name, xs] of Object.entries(stages)) {
      process.stdout.write(`${name.padEnd(26)} ${summarize(xs).median.toFixed(0).padStart(7)} µs CPU (median of ${xs.length})\n`);
    }
  });
  const settings = await Effect.runPromise(loadSettings({ cwd: ctx.root }));
  await Effect.runPromise(program.pipe(Effect.provide(appLayer(settings))));
  stop();
} finally {
  await ctx.cleanup();
}
