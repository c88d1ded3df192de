import * as Effect from "effect/Effect";
import { UsageError } from "../core/errors.ts";
import { findJob } from "../app/jobs/find.ts";
import { DEFAULT_RESUME_PROMPT, resumeJob } from "../app/jobs/resume.ts";
import { checkPythonOptions, COMMON_OPTIONS, PYTHON_OPTIONS } from "./args.ts";
import { type Command, print, printJson } from "./command.ts";
import { outputWidth } from "../app/text/fit.ts";
import { runProgram } from "../app/runtime.ts";
import { launchedText } from "../app/text/said.ts";
import { failedLaunchText, isFailedLaunch, jobJson, jobOutputJson } from "../app/text/views.ts";
import { withOutput } from "../app/jobs/output.ts";
import { stderr } from "../app/output.ts";
import { configSearchDir } from "./workingDir.ts";

export const resume: Command = {
  name: "resume",
  summary: "continue a job's Codex thread as a new job linked to it",
  usage: "resume [options] JOB [PROMPT] [-- CODEX_EXEC_ARGS...]",
  details: [
    "Runs `codex exec resume <thread>` detached in the job's directory, as a new job that records",
    `which job it continues. PROMPT defaults to "${DEFAULT_RESUME_PROMPT}"; \`-\` reads it from stdin.`,
    "The new job runs with the first one's Python unless --venv/--python/--no-venv says otherwise.",
    "A job still running is refused: a Codex thread has one writer at a time.",
  ].join("\n"),
  codexArgs: true,
  options: {
    name: { type: "string", value: "NAME", help: "a name to find the new job by" },
    ...PYTHON_OPTIONS,
    ...COMMON_OPTIONS,
  },
  run: async ({ values, positionals, passthrough }) => {
    checkPythonOptions(values);
    if (positionals.length < 1 || positionals.length > 2) {
      throw new UsageError({ message: "resume takes a JOB (an id or a unique prefix) and at most one PROMPT (quote it)" });
    }
    const [query, given] = positionals as [string, string | undefined];
    const prompt = given === "-" ? await new Response(Bun.stdin.stream()).text() : given;
    const program = Effect.gen(function* () {
      const first = yield* findJob(query);
      const { job } = yield* resumeJob({
        job: first,
        prompt,
        name: values.name as string | undefined,
        python: { venv: values.venv as string | undefined, python: values.python as string | undefined, noVenv: values["no-venv"] === true },
        extraArgs: passthrough,
      });
      return yield* withOutput(job);
    });
    return runProgram({ cwd: configSearchDir(), configFile: values.config as string | undefined }, program, ({ job, output }) => {
      const ok = !isFailedLaunch(job);
      if (!ok) stderr.write(`codex-supervisor: ${failedLaunchText(job, output)}\n`);
      if (values.json) return printJson({ ...jobJson(job), ...jobOutputJson(output) }), ok ? 0 : 1;
      if (!ok) return 1;
      print(launchedText(job, outputWidth(false)));
      return ok ? 0 : 1;
    });
  },
};
