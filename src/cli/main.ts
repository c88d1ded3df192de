import type { Doors } from "../app/doors.ts";
import { didYouMean } from "../core/didYouMean.ts";
import { UsageError } from "../core/errors.ts";
import { optionHelp, parseCommandArgs } from "./args.ts";
import type { Command } from "./command.ts";
import { describe, EXIT } from "../app/text/messages.ts";
import pkg from "../../package.json" with { type: "json" };
import { stdout } from "../app/output.ts";
import { reportErrorsAsJson, reportFailure } from "../app/failure.ts";
import { checkPathOption, settleWorkingDir } from "./workingDir.ts";

/** A command by name, its module imported only when it runs: one command's start-up never pays for the others'. */
interface CommandEntry {
  readonly name: string;
  readonly aliases?: ReadonlyArray<string>;
  readonly load: () => Promise<Command>;
}

export const COMMANDS: ReadonlyArray<CommandEntry> = [
  { name: "start", load: async () => (await import("./start.ts")).start },
  { name: "resume", load: async () => (await import("./resume.ts")).resume },
  { name: "list", aliases: ["ps"], load: async () => (await import("./list.ts")).list },
  { name: "status", load: async () => (await import("./status.ts")).status },
  { name: "logs", load: async () => (await import("./logs.ts")).logs },
  { name: "kill", load: async () => (await import("./kill.ts")).kill },
  { name: "watch", load: async () => (await import("./watch.ts")).watch },
  { name: "events", load: async () => (await import("./events.ts")).events },
  { name: "top", load: async () => (await import("./top.ts")).top },
  { name: "config", load: async () => (await import("./config.ts")).config },
  { name: "init", load: async () => (await import("./init.ts")).init },
  { name: "trust", load: async () => (await import("./trust.ts")).trust },
  { name: "untrust", load: async () => (await import("./trust.ts")).untrust },
  { name: "service", load: async () => (await import("./service.ts")).service },
  { name: "mcp", load: async () => (await import("./mcp.ts")).mcp },
  { name: "doctor", load: async () => (await import("./doctor.ts")).doctor },
  { name: "completion", load: async () => (await import("./completion.ts")).completion },
];

const find = (name: string) => COMMANDS.find((c) => c.name === name || c.aliases?.includes(name));

const overview = async () => [
  `codex-supervisor ${pkg.version}: launch, see, read, kill and watch Codex jobs`,
  "",
  "usage: codex-supervisor COMMAND [options]",
  "",
  ...(await Promise.all(COMMANDS.map((e) => e.load()))).map((c) => `  ${[c.name, ...(c.aliases ?? [])].join(", ").padEnd(14)} ${c.summary}`),
  "",
  "Every command takes --config FILE, --json and --help. JOB is a job id or any unique prefix of it.",
  "--version (-V, version) prints the version.",
  "exit codes: 0 ok, 1 failed, 2 usage or config error, 3 unknown job, 4 refused (not provably the job's)",
].join("\n");

const commandHelp = (c: Command) =>
  [`usage: codex-supervisor ${c.usage}`, "", c.summary, ...(c.details ? ["", c.details] : []), "", "options:", optionHelp(c.options)].join("\n");

/** The CLI door: runs one command; `doors` are the other doors, for `mcp` and `watch` (see src/main.ts). */
export const main = async (argv: ReadonlyArray<string>, doors: Doors): Promise<number> => {
  settleWorkingDir();
  const [name, ...rest] = argv;
  if (name === undefined || name === "help" || name === "--help" || name === "-h") {
    const topic = name === "help" && rest[0] ? await find(rest[0])?.load() : undefined;
    stdout.write(`${topic ? commandHelp(topic) : await overview()}\n`);
    return EXIT.ok;
  }
  if (name === "--version" || name === "-V" || name === "-v" || name === "version") {
    stdout.write(`${pkg.version}\n`);
    return EXIT.ok;
  }
  const split = rest.indexOf("--");
  reportErrorsAsJson((split < 0 ? rest : rest.slice(0, split)).includes("--json"));
  const entry = find(name);
  if (!entry) {
    const guess = didYouMean(name, COMMANDS.flatMap((c) => [c.name, ...(c.aliases ?? [])]));
    reportFailure("UsageError", `unknown command "${name}"${guess ? ` (did you mean "${guess}"?)` : ""}; see codex-supervisor --help`);
    return EXIT.usage;
  }
  const command = await entry.load();
  try {
    const args = parseCommandArgs(rest, command);
    if (args.values.help) {
      stdout.write(`${commandHelp(command)}\n`);
      return EXIT.ok;
    }
    for (const option of ["config", "cwd"]) checkPathOption(option, args.values[option]);
    return await command.run(args, doors);
  } catch (e) {
    if (e instanceof UsageError) {
      reportFailure(e._tag, describe(e).message, `codex-supervisor ${command.name}`);
      return EXIT.usage;
    }
    throw e;
  }
};
