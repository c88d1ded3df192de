import { findJob } from "../app/jobs/find.ts";
import * as Effect from "effect/Effect";
import { DURATION_RANGES, readDuration } from "../core/duration.ts";
import { UsageError } from "../core/errors.ts";
import { killJob } from "../app/jobs/kill.ts";
import { COMMON_OPTIONS } from "./args.ts";
import { type Command, print, printJson } from "./command.ts";
import { describe, EXIT } from "../app/text/messages.ts";
import { runProgram } from "../app/runtime.ts";
import { killJson } from "../app/text/views.ts";
import { killText } from "../app/text/said.ts";
import { stderr } from "../app/output.ts";
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
      const { result } = outcome;
      if (values.json) printJson(killJson(outcome));
      else print(killText(outcome, result === "killed" ? performance.now() : undefined));
      if (outcome.unrecorded) {
        stderr.write(`codex-supervisor: could not record the kill in the database (${describe(outcome.unrecorded).message}); what is printed above was done\n`);
        return EXIT.failed;
      }
      return result === "survivors" ? EXIT.failed : EXIT.ok;
    });
  },
};
