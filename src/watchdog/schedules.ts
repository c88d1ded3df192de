import cron, { type ScheduledTask } from "node-cron";
import * as Clock from "effect/Clock";
import type * as Context from "effect/Context";
import * as Effect from "effect/Effect";
import type { LoadedConfig } from "../config/load.ts";
import type { ScheduleConfig } from "../config/policies.ts";
import { formatElapsed } from "../core/duration.ts";
import { type LoadedPlugins, pluginErrorText, sendReport } from "../hooks/host.ts";
import { JobStore } from "../services/JobStore.ts";
import { fn } from "../core/fn.ts";

/** The work a schedule does, as one Effect. */
export const runSchedule = fn("runSchedule")(function* (schedule: ScheduleConfig, plugins: LoadedPlugins | undefined) {
  const store = yield* JobStore;
  const now = yield* Clock.currentTimeMillis;
  if (schedule.do === "prune") {
    const pruned = yield* store.prune({ endedBefore: now - schedule.olderThan });
    yield* store.appendEvent({ kind: "schedule", action: "prune", message: `pruned ${pruned} ended job(s) older than ${formatElapsed(schedule.olderThan)}` });
    return;
  }
  const jobs = yield* store.list({ all: true, limit: 1000 });
  const since = now - 86_400_000;
  const recent = jobs.filter((j) => j.createdAt >= since);
  const counts = new Map<string, number>();
  for (const j of recent) counts.set(j.status, (counts.get(j.status) ?? 0) + 1);
  const text = `codex-supervisor report: ${recent.length} job(s) in the last 24h` +
    (counts.size > 0 ? ` (${[...counts].map(([s, n]) => `${n} ${s}`).join(", ")})` : "");
  const errors = plugins ? yield* sendReport(plugins, text) : [];
  yield* store.appendEvent({ kind: "schedule", action: "report", message: text, data: { errors: errors.map(pluginErrorText) } });
});

/**
 * node-cron tasks for the global config's schedules, recreated when they change.
 * A failing run is recorded and the next one still comes.
 */
export const scheduleBook = (
  context: Context.Context<JobStore>,
  pluginsFor: (config: LoadedConfig) => Effect.Effect<LoadedPlugins | undefined>,
) => {
  let current = "[]";
  let tasks: ScheduledTask[] = [];
  const run = Effect.runPromiseWith(context);
  // stopped, the next sync starts them again (a watchdog that stood by and now acts)
  const stop = () => { for (const t of tasks) void t.stop(); tasks = []; current = "[]"; };
  const sync = (config: LoadedConfig) => {
    const wanted = JSON.stringify(config.config.schedules);
    if (wanted === current) return;
    stop();
    current = wanted;
    tasks = config.config.schedules.map((schedule) => cron.schedule(schedule.cron, () =>
      run(Effect.gen(function* () {
        const plugins = yield* pluginsFor(config);
        yield* runSchedule(schedule, plugins);
      }).pipe(Effect.catchCause((cause) => JobStore.use((s) => s.appendEvent({ kind: "error", action: schedule.do, message: `schedule ${schedule.cron} ${schedule.do} failed: ${String(cause)}` })).pipe(Effect.ignore)))),
    ));
  };
  return { sync, stop };
};
