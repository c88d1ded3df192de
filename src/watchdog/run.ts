import * as Effect from "effect/Effect";
import type { WatchdogRun } from "../app/doors.ts";
import { stderr } from "../app/output.ts";
import { runProgram } from "../app/runtime.ts";
import { pluginsForConfig } from "../hooks/forConfig.ts";
import { Settings } from "../services/Settings.ts";
import { releaseCleanFilePages } from "../services/proc/cleanPages.ts";
import { type TickTrace, Watchdog } from "./loop.ts";

const trace = (t: TickTrace) => {
  stderr.write(`tick ${t.n} ${t.kind}${t.reason ? ` (${t.reason})` : ""} subjects=${t.subjects} cpu=${t.cpuMs.toFixed(2)}ms${t.releasedKb !== undefined ? ` released=${t.releasedKb}kB` : ""}\n`);
};

/** The watchdog in the foreground, as `watch` runs it: stops on SIGTERM/SIGINT, ticks at once on SIGHUP. */
export const runWatchdog = async (options: WatchdogRun): Promise<number> => {
  const { cwd, configFile } = options;
  const controller = new AbortController();
  const stop = () => controller.abort();
  process.once("SIGTERM", stop);
  process.once("SIGINT", stop);
  // its own config passes the check start and config make before it runs, or it does not run (exit 2)
  const checked = Effect.gen(function* () {
    const settings = yield* Settings;
    yield* pluginsForConfig({ config: settings.config, files: settings.configFiles });
  });
  const program = Effect.andThen(checked, Effect.scoped(Effect.gen(function* () {
    const dog = yield* Watchdog;
    process.on("SIGHUP", dog.wake);
    stderr.write(`codex-supervisor: watchdog running (pid ${process.pid})\n`);
    yield* dog.done;
    return dog.refusedBy();
  }).pipe(Effect.provide(Watchdog.layer({
    explicitFile: configFile, cwd, maxTicks: options.once ? 1 : undefined, onTick: options.trace ? trace : undefined,
    releaseMemory: releaseCleanFilePages, say: (line) => stderr.write(`codex-supervisor: ${line}\n`),
  })))));
  // --once while another watchdog acts: it looks at nothing and says so (standing by is for a running watchdog).
  // Exit 0: the database is being watched, which is what a `watch --once` from cron is for.
  const code = await runProgram({ cwd: cwd ?? options.searchDir, configFile }, program, (refused) => {
    if (refused) stderr.write(`codex-supervisor: --once did nothing: watchdog pid ${refused.pid ?? "unknown"} acts on this database\n`);
  }, controller.signal);
  stderr.write("codex-supervisor: watchdog stopped\n");
  return code;
};
