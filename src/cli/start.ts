import * as Effect from "effect/Effect";
import { UsageError } from "../core/errors.ts";
import type { PythonEnv } from "../core/job.ts";
import { startJob } from "../core/jobs/start.ts";
import { checkPythonOptions, COMMON_OPTIONS, PYTHON_OPTIONS } from "./args.ts";
import { type Command, print, printJson } from "./command.ts";
import { outputWidth } from "./fit.ts";
import { fields, shortId } from "./format.ts";
import { runProgram } from "./runtime.ts";
import { jobJson } from "./views.ts";
import { stderr } from "./output.ts";
import { oneLine } from "./terminal.ts";
import { requireWorkingDir } from "./workingDir.ts";

const readStdin = async (): Promise<string> => await new Response(Bun.stdin.stream()).text();

export const describePython = (python: PythonEnv): string => {
  const why = { option: "from the command line", config: "from the config", discovered: "found in the project", caller: "the caller's VIRTUAL_ENV", none: "" }[python.source];
  if (python.kind === "none") return "no venv: tool commands use the PATH's python";
  return `${python.python}${python.venv ? ` (venv ${python.venv}, ${why})` : ` (${why})`}`;
};

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
    ...PYTHON_OPTIONS,
    ...COMMON_OPTIONS,
  },
  run: async ({ values, positionals, passthrough }) => {
    checkPythonOptions(values);
    if (positionals.length !== 1) throw new UsageError({ message: "start takes exactly one PROMPT (use - to read it from stdin; quote it)" });
    const prompt = positionals[0] === "-" ? await readStdin() : positionals[0]!;
    const cwd = (values.cwd as string | undefined) ?? requireWorkingDir();
    return runProgram(
      { cwd, configFile: values.config as string | undefined },
      startJob({
        prompt,
        cwd,
        name: values.name as string | undefined,
        python: { venv: values.venv as string | undefined, python: values.python as string | undefined, noVenv: values["no-venv"] === true },
        extraArgs: passthrough,
      }).pipe(Effect.map((r) => r.job)),
      (job) => {
        // a job may well finish inside the settle window: only one that died without finishing failed
        const ok = job.status === "running" || job.status === "completed";
        if (!ok) {
          // Codex exited while we waited for it to settle: a bad flag, a missing login, a non-git directory
          stderr.write(`codex-supervisor: codex exited at once${job.exitCode !== undefined ? ` with code ${job.exitCode}` : ""} (job ${shortId(job.id)} recorded as ${job.status}); run the same codex exec by hand to see why\n`);
        }
        if (values.json) return printJson(jobJson(job)), ok ? 0 : 1;
        print(`started job ${shortId(job.id)}${job.name ? ` (${oneLine(job.name)})` : ""}, pid ${job.launcher.pid}`);
        print(fields([
          ["id", job.id],
          ["cwd", job.cwd],
          ["python", describePython(job.python)],
          ...(job.threadId ? [["thread", job.threadId] as const] : []),
          ...(job.status === "completed" ? [["status", "already completed"] as const] : []),
        ], 7, "  ", outputWidth(false)).join("\n"));
        return ok ? 0 : 1;
      },
    );
  },
};
