import * as Effect from "effect/Effect";
import { projectFileFor } from "../config/load.ts";
import { trustFile } from "../config/trustProject.ts";
import { ConfigError, UsageError } from "../core/errors.ts";
import { startJob } from "../app/jobs/start.ts";
import { checkPythonOptions, COMMON_OPTIONS, PYTHON_OPTIONS } from "./args.ts";
import { type Command, print, printJson } from "./command.ts";
import { outputWidth } from "../app/text/fit.ts";
import { runProgram } from "../app/runtime.ts";
import { launchedText } from "../app/text/said.ts";
import { failedLaunchText, isFailedLaunch, jobJson, jobOutputJson } from "../app/text/views.ts";
import { withOutput } from "../app/jobs/output.ts";
import { describe as describeError } from "../app/text/messages.ts";
import { stderr } from "../app/output.ts";
import { requireWorkingDir } from "./workingDir.ts";

const readStdin = async (): Promise<string> => await new Response(Bun.stdin.stream()).text();

export const start: Command = {
  name: "start",
  summary: "launch a detached codex exec job",
  usage: "start [options] PROMPT [-- CODEX_EXEC_ARGS...]",
  details: [
    "Runs `codex exec` in its own session so it outlives this command, records the job, and returns.",
    "PROMPT `-` reads the prompt from stdin; the prompt reaches Codex on its stdin, never in argv.",
    "The job's tool commands run the project's Python: --venv/--python, else config, else the",
    "nearest .venv or venv upward from --cwd, else the caller's VIRTUAL_ENV.",
  ].join("\n"),
  codexArgs: true,
  options: {
    cwd: { type: "string", value: "DIR", help: "directory the job runs in (default: here)" },
    name: { type: "string", value: "NAME", help: "a name to find the job by" },
    trust: { type: "boolean", help: "trust the project's config file first (see `trust`), then start" },
    ...PYTHON_OPTIONS,
    ...COMMON_OPTIONS,
  },
  run: async ({ values, positionals, passthrough }) => {
    checkPythonOptions(values);
    if (positionals.length !== 1) throw new UsageError({ message: "start takes exactly one PROMPT (use - to read it from stdin; quote it)" });
    const prompt = positionals[0] === "-" ? await readStdin() : positionals[0]!;
    const cwd = (values.cwd as string | undefined) ?? requireWorkingDir();
    const toTrust = values.trust ? projectFileFor({ cwd }) : undefined; // no project file: nothing to trust
    if (values.trust && values.config !== undefined) throw new UsageError({ message: "--trust and --config cannot be used together (a --config file applies without trust)" });
    if (toTrust) {
      try {
        const trusted = await trustFile(toTrust);
        stderr.write(`codex-supervisor: trusted ${trusted.file}\n`);
      } catch (e) {
        if (!(e instanceof ConfigError)) throw e;
        const { message, exitCode } = describeError(e);
        stderr.write(`codex-supervisor: ${message}\n`);
        return exitCode;
      }
    }
    return runProgram(
      { cwd, configFile: values.config as string | undefined },
      startJob({
        prompt,
        cwd,
        name: values.name as string | undefined,
        python: { venv: values.venv as string | undefined, python: values.python as string | undefined, noVenv: values["no-venv"] === true },
        extraArgs: passthrough,
      }).pipe(Effect.flatMap((r) => withOutput(r.job))),
      ({ job, output }) => {
        // a job may well finish inside the settle window: only one that died without finishing failed
        const failed = isFailedLaunch(job);
        if (failed) stderr.write(`codex-supervisor: ${failedLaunchText(job, output)}\n`);
        if (values.json) return printJson({ ...jobJson(job), ...jobOutputJson(output) }), failed ? 1 : 0;
        if (failed) return 1;
        print(launchedText(job, outputWidth(false)));
        return 0;
      },
    );
  },
};
