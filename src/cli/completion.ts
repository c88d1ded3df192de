import { JobStore } from "../services/JobStore.ts";
import * as Effect from "effect/Effect";
import { UsageError } from "../core/errors.ts";
import { COMMON_OPTIONS } from "./args.ts";
import { type Command, print } from "./command.ts";
import { type CompletionCommand, completionScript, SHELLS, type Shell } from "./completionScripts.ts";
import { shortId } from "../app/text/format.ts";
import { oneLine } from "../app/text/terminal.ts";
import { runProgram } from "../app/runtime.ts";
import { configSearchDir } from "./workingDir.ts";

/** How many of the newest jobs a JOB argument completes to. */
const JOB_COMPLETIONS = 200;

const isShell = (text: string | undefined): text is Shell => SHELLS.some((s) => s === text);

export const completion: Command = {
  name: "completion",
  summary: "print a shell completion script: commands, options and job ids",
  usage: "completion bash|zsh|fish",
  details: "bash: source <(codex-supervisor completion bash) in ~/.bashrc; zsh: the same with zsh in ~/.zshrc;\nfish: codex-supervisor completion fish > ~/.config/fish/completions/codex-supervisor.fish",
  options: {
    jobs: { type: "boolean", help: "print the newest jobs' ids and names, one a line (what the scripts complete JOB with)" },
    ...COMMON_OPTIONS,
  },
  run: async ({ values, positionals }) => {
    if (values.jobs) {
      const program = Effect.gen(function* () {
        return yield* (yield* JobStore).list({ all: true, limit: JOB_COMPLETIONS });
      });
      return runProgram({ cwd: configSearchDir(), configFile: values.config as string | undefined }, program, (jobs) => {
        if (jobs.length > 0) print(jobs.map((j) => `${shortId(j.id)}\t${oneLine(j.name ?? j.status)}`).join("\n"));
      });
    }
    const [shell] = positionals;
    if (positionals.length !== 1 || !isShell(shell)) throw new UsageError({ message: `completion takes one shell: ${SHELLS.join(", ")}` });
    // the command table is imported here, not at the top: main.ts imports this module lazily through it
    const { COMMANDS } = await import("./main.ts");
    const commands: CompletionCommand[] = await Promise.all(COMMANDS.map(async (entry) => {
      const c = await entry.load();
      return {
        name: c.name,
        aliases: c.aliases ?? [],
        summary: c.summary,
        options: Object.entries(c.options).map(([name, o]) => ({ name, short: o.short, help: o.help, takesValue: o.type === "string" })),
        takesJob: /^\S+ (\[options\] )?JOB\b/.test(c.usage),
      };
    }));
    print(completionScript(shell, commands).trimEnd());
    return 0;
  },
};
