import { findJob } from "../core/jobs/find.ts";
import * as Effect from "effect/Effect";
import { DURATION_RANGES, readDuration } from "../core/duration.ts";
import { UsageError } from "../core/errors.ts";
import { killJob } from "../core/jobs/kill.ts";
import { JobStore } from "../services/JobStore.ts";
import { COMMON_OPTIONS } from "./args.ts";
import { type Command, print, printJson } from "./command.ts";
import { shortId } from "./format.ts";
import { describe, EXIT } from "./messages.ts";
import { runProgram } from "./runtime.ts";
import { killJson, survivorList, uncheckedText } from "./views.ts";
import { stderr } from "./output.ts";
import { configSearchDir } from "./workingDir.ts";

export const kill: Command = {
  name: "kill",
  summary: "end a job's whole process tree, after proving each process is the job's",
  usage: "kill JOB [--grace DURATION] [--trace] [--json]",
  details: [
    "Verifies every recorded PID (start time, boot, owner) immediately before each signal, then ends",
    "the launcher, the native Codex and every descendant, including those in other sessions and",
    "those reparented to init that carry the job's marker: SIGTERM, the grace, SIGKILL, scan again.",
  ].join("\n"),
  options: {
    grace: { type: "string", value: "DURATION", help: "time between SIGTERM and SIGKILL, 0s to 10m (default 5s)" },
    trace: { type: "boolean", help: "print each phase of the kill to stderr, with the ms since the command started" },
    ...COMMON_OPTIONS,
  },
  run: async ({ values, positionals }) => {
    if (positionals.length !== 1) throw new UsageError({ message: "kill takes one JOB (an id or a unique prefix)" });
    const graceText = (values.grace as string | undefined) ?? "5s";
    const grace = readDuration(graceText, DURATION_RANGES.grace);
    if ("problem" in grace) throw new UsageError({ message: `--grace: ${grace.problem}` });
    const graceMs = grace.ms;
    // performance.now() counts from this process's start: the phases read as the user waited for them
    const trace = values.trace ? (phase: string) => stderr.write(`kill +${performance.now().toFixed(0)}ms ${phase}\n`) : undefined;
    trace?.("kill command running (start-up done)");
    const program = Effect.gen(function* () {
      return yield* killJob(yield* findJob(positionals[0]!), graceMs, { onPhase: trace });
    });
    return runProgram({ cwd: configSearchDir(), configFile: values.config as string | undefined }, program, (outcome) => {
      const { job, result, report } = outcome;
      if (values.json) {
        printJson(killJson(outcome));
      } else if (result === "already-gone") {
        print(`job ${shortId(job.id)} was not running (${job.status}); nothing to kill`);
      } else {
        const n = report?.members.length ?? 0;
        print(result === "killed"
          // the tree's time runs from the first signal; `in all` counts from this command's start, as --trace does
          ? `killed job ${shortId(job.id)}: ${n} process${n === 1 ? "" : "es"} ended in ${report?.elapsedMs} ms after the first signal, ${performance.now().toFixed(0)} ms in all${uncheckedText(report?.unchecked)}`
          : `job ${shortId(job.id)}: ${report?.survivors.length} process(es) survived: ${survivorList(report?.survivorReasons ?? [])}`);
      }
      if (outcome.unrecorded) {
        stderr.write(`codex-supervisor: could not record the kill in the database (${describe(outcome.unrecorded).message}); what is printed above was done\n`);
        return EXIT.failed;
      }
      return result === "survivors" ? EXIT.failed : EXIT.ok;
    });
  },
};
