import * as Effect from "effect/Effect";
import { releaseCleanFilePages } from "../services/proc/cleanPages.ts";
import { type TickTrace, Watchdog } from "../watchdog/loop.ts";
import { COMMON_OPTIONS } from "./args.ts";
import type { Command } from "./command.ts";
import { runProgram } from "./runtime.ts";
import { jsonStdout, stderr, stdout } from "./output.ts";
import type { LoggedEvent } from "../watchdog/eventLog.ts";
import { eventLine } from "./eventLine.ts";
import { watchLogJson } from "./views.ts";
import { configSearchDir } from "./workingDir.ts";

const trace = (t: TickTrace) => {
  stderr.write(`tick ${t.n} ${t.kind}${t.reason ? ` (${t.reason})` : ""} subjects=${t.subjects} cpu=${t.cpuMs.toFixed(2)}ms${t.releasedKb !== undefined ? ` released=${t.releasedKb}kB` : ""}\n`);
};

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

export const watch: Command = {
  name: "watch",
  summary: "run the watchdog in the foreground (what a service manager starts)",
  usage: "watch [--once] [--trace] [--cwd DIR] [--config FILE]",
  details: [
    "Each tick (watchdog.interval, default 5s): snapshot the process table, refresh the jobs, judge every",
    "job and every other Codex process by the policies of the config found from its cwd, run the actions,",
    "and record each decision in the events table (see `events`). Config edits apply on the next tick; SIGHUP",
    "ticks at once. SIGTERM/SIGINT stop the watchdog and never touch the jobs; a restarted one adopts them.",
    "A tick is quiet when nothing changed but time and counters: no process that matters started or ended,",
    "no database write by anyone else, no config edit. It then reads only each tree's own processes and",
    "judges the same policies; anything else, and any policy about to fire, makes it a full tick.",
    "Only one watchdog acts on a database (an flock on a lock file beside it): a second one stands by, naming",
    "the first one's pid, and takes over when it stops; `--once` then says so and does nothing. While the",
    "database cannot be written it says so once, keeps enforcing policies, and writes what it did later.",
    "Every event it records is also a line on stdout (--json: one JSON object a line, its notices too), for",
    "journald, launchd's log file or Loki.",
  ].join("\n"),
  options: {
    once: { type: "boolean", help: "run one tick and exit" },
    trace: { type: "boolean", help: "print a line per tick to stderr: full (and why) or quiet, subjects, CPU ms, memory let go of" },
    cwd: { type: "string", value: "DIR", help: "whose config sets the interval and schedules (default: home)" },
    ...COMMON_OPTIONS,
  },
  run: async ({ values }) => {
    const cwd = values.cwd as string | undefined;
    const configFile = values.config as string | undefined;
    const controller = new AbortController();
    const stop = () => controller.abort();
    process.once("SIGTERM", stop);
    process.once("SIGINT", stop);
    const log = watchLog(values.json === true);
    const program = Effect.scoped(Effect.gen(function* () {
      const dog = yield* Watchdog;
      process.on("SIGHUP", dog.wake);
      log.notice(`watchdog running (pid ${process.pid})`);
      yield* dog.done;
      return dog.refusedBy();
    }).pipe(Effect.provide(Watchdog.layer({
      explicitFile: configFile, cwd, maxTicks: values.once ? 1 : undefined, onTick: values.trace ? trace : undefined,
      releaseMemory: releaseCleanFilePages, say: log.notice, onEvent: log.event,
    }))));
    // --once while another watchdog acts: it looks at nothing and says so (standing by is for a running watchdog).
    // Exit 0: the database is being watched, which is what a `watch --once` from cron is for.
    const code = await runProgram({ cwd: cwd ?? configSearchDir(), configFile }, program, (refused) => {
      if (refused) log.notice(`--once did nothing: watchdog pid ${refused.pid ?? "unknown"} acts on this database`);
    }, controller.signal);
    log.notice("watchdog stopped");
    return code;
  },
};
