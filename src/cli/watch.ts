import * as Effect from "effect/Effect";
import { Watchdog } from "../watchdog/loop.ts";
import { COMMON_OPTIONS } from "./args.ts";
import type { Command } from "./command.ts";
import { runProgram } from "./runtime.ts";

export const watch: Command = {
  name: "watch",
  summary: "run the watchdog in the foreground (what a service manager starts)",
  usage: "watch [--once] [--cwd DIR] [--config FILE]",
  details: [
    "Each tick (watchdog.interval, default 5s): snapshot the process table, refresh the jobs, judge every",
    "job and every other Codex process by the policies of the config found from its cwd, run the actions,",
    "and record each decision in the events table (see `events`). Config edits apply on the next tick; SIGHUP",
    "ticks at once. SIGTERM/SIGINT stop the watchdog and never touch the jobs; a restarted one adopts them.",
  ].join("\n"),
  options: {
    once: { type: "boolean", help: "run one tick and exit" },
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
    const program = Effect.scoped(Effect.gen(function* () {
      const dog = yield* Watchdog;
      process.on("SIGHUP", dog.wake);
      process.stderr.write(`codex-supervisor: watchdog running (pid ${process.pid})\n`);
      yield* dog.done;
    }).pipe(Effect.provide(Watchdog.layer({ explicitFile: configFile, cwd, maxTicks: values.once ? 1 : undefined }))));
    const code = await runProgram({ cwd: cwd ?? process.cwd(), configFile }, program, () => {}, controller.signal);
    process.stderr.write("codex-supervisor: watchdog stopped\n");
    return code;
  },
};
