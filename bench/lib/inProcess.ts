/**
 * For the in-process profiles in bench/tools: a fleet of Codex-shaped jobs beside idle
 * processes, this process's environment pointed at them as the CLI's would be, a program run
 * with the app's services, and everything ended afterwards, whatever happened.
 */
import { join } from "node:path";
import { Effect } from "effect";
import { type AppServices, appLayer, loadSettings } from "../../src/app/runtime.ts";
import { EVERYDAY_POLICIES } from "../suites/watchdog.ts";
import { type BenchContext, createContext } from "./context.ts";
import { jobFleet } from "./jobs.ts";
import { spawnSleepers } from "./sleepers.ts";
import { summarize } from "./stats.ts";

export const inFleet = async <E>(
  sizes: { readonly jobs: number; readonly others: number },
  program: (ctx: BenchContext) => Effect.Effect<void, E, AppServices>,
): Promise<void> => {
  const ctx = createContext({ quick: false });
  try {
    const db = join(ctx.root, "state", "fleet.db");
    ctx.writeConfig({ policies: EVERYDAY_POLICIES });
    const stop = await spawnSleepers(ctx, sizes.others);
    await jobFleet(ctx, { CODEX_SUPERVISOR_DB: db }).grow(sizes.jobs);
    Object.assign(process.env, { ...ctx.env, CODEX_SUPERVISOR_DB: db });
    const settings = await Effect.runPromise(loadSettings({ cwd: ctx.root }));
    await Effect.runPromise(program(ctx).pipe(Effect.provide(appLayer(settings))));
    stop();
  } finally {
    await ctx.cleanup();
  }
};

/** CPU time of named stages (this process, all threads), in `unit`; `report` prints their medians. */
export const stageTimer = (unit: "ms" | "µs") => {
  const scale = unit === "ms" ? 1000 : 1;
  const cpu = () => { const u = process.cpuUsage(); return (u.user + u.system) / scale; };
  const stages: Record<string, number[]> = {};
  const time = function* <A, E, R>(name: string, eff: Effect.Effect<A, E, R>) {
    const t0 = cpu();
    const out = yield* eff;
    (stages[name] ??= []).push(cpu() - t0);
    return out;
  };
  const report = () => {
    for (const [name, xs] of Object.entries(stages)) {
      process.stdout.write(`${name.padEnd(26)} ${summarize(xs).median.toFixed(unit === "ms" ? 1 : 0).padStart(7)} ${unit} CPU (median of ${xs.length})\n`);
    }
  };
  return { time, report };
};

export const numberArg = (name: string, fallback: number): number => {
  const at = process.argv.indexOf(`--${name}`);
  return at >= 0 ? Number(process.argv[at + 1]) : fallback;
};
