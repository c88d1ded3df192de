import { COMMON_OPTIONS } from "./args.ts";
import type { Command } from "./command.ts";
import { configSearchDir } from "./workingDir.ts";

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
    "With `metrics` in the global config it serves Prometheus metrics and/or pushes OTLP (docs/fleet.md).",
    "Every event it records is also a line on stdout (--json: one JSON object a line, its notices too), for",
    "journald, launchd's log file or Loki.",
  ].join("\n"),
  options: {
    once: { type: "boolean", help: "run one tick and exit" },
    trace: { type: "boolean", help: "print a line per tick to stderr: full (and why) or quiet, subjects, CPU ms, memory let go of" },
    cwd: { type: "string", value: "DIR", help: "whose config judges programs of unknown cwd (default: home); the interval and schedules come from the global config or --config" },
    ...COMMON_OPTIONS,
  },
  run: async ({ values }, doors) => doors.runWatchdog({
    cwd: values.cwd as string | undefined,
    searchDir: configSearchDir(),
    configFile: values.config as string | undefined,
    once: values.once === true,
    trace: values.trace === true,
    json: values.json === true,
  }),
};
