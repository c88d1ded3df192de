import * as Effect from "effect/Effect";
import type { WatchdogRun } from "../app/doors.ts";
import { jsonStdout, stderr, stdout } from "../app/output.ts";
import { eventLine } from "../app/text/eventLine.ts";
import { eventJson } from "../app/text/views.ts";
import type { LoggedEvent } from "./eventLog.ts";
import { runProgram } from "../app/runtime.ts";
import { pluginsForConfig } from "../hooks/forConfig.ts";
import { Settings } from "../services/Settings.ts";
import { releaseCleanFilePages } from "../services/proc/cleanPages.ts";
import { type TickTrace, Watchdog } from "./loop.ts";

const trace = (t: TickTrace) => {
  stderr.write(`tick ${t.n} ${t.kind}${t.reason ? ` (${t.reason})` : ""} subjects=${t.subjects} cpu=${t.cpuMs.toFixed(2)}ms${t.releasedKb !== undefined ? ` released=${t.releasedKb}kB` : ""}\n`);
};

/** One line of `watch --json`: an event as `events --json` prints it, its `id` null while the database cannot take it; `kind: "watchdog"` for the watchdog's own notices. */
export const watchLogJson = (e: LoggedEvent) => ({ ...eventJson({ ...e, id: 0 }), id: e.id ?? null });

/**
 * The watchdog's log on stdout, a line per event it records (for journald, launchd's log file, Loki):
 * text, or with --json one object a line. With --json its notices (database trouble, another
 * watchdog, start and stop) are lines of the same stream instead of text on stderr.
 */
const watchLog = (json: boolean) => ({
  event: (e: LoggedEvent) => (json ? jsonStdout.write(`${JSON.stringify(watchLogJson(e))}\n`) : stdout.write(`${eventLine(e)}\n`)),
  notice: (line: string) => (json
    ? jsonStdout.write(`${JSON.stringify(watchLogJson({ id: undefined, at: Date.now(), kind: "watchdog", jobId: undefined, pid: undefined, policy: undefined, action: undefined, message: line, data: undefined }))}\n`)
    : stderr.write(`codex-supervisor: ${line}\n`)),
});

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
  const log = watchLog(options.json);
  const program = Effect.andThen(checked, Effect.scoped(Effect.gen(function* () {
    const dog = yield* Watchdog;
    process.on("SIGHUP", dog.wake);
    log.notice(`watchdog running (pid ${process.pid})`);
    yield* dog.done;
    return dog.refusedBy();
  }).pipe(Effect.provide(Watchdog.layer({
    explicitFile: configFile, cwd, maxTicks: options.once ? 1 : undefined, onTick: options.trace ? trace : undefined,
    releaseMemory: releaseCleanFilePages, say: log.notice, onEvent: log.event,
  })))));
  // --once while another watchdog acts: it looks at nothing and says so (standing by is for a running watchdog).
  // Exit 0: the database is being watched, which is what a `watch --once` from cron is for.
  const code = await runProgram({ cwd: cwd ?? options.searchDir, configFile }, program, (refused) => {
    if (refused) log.notice(`--once did nothing: watchdog pid ${refused.pid ?? "unknown"} acts on this database`);
  }, controller.signal);
  log.notice("watchdog stopped");
  return code;
};
