#!/usr/bin/env bun
import { UsageError } from "../core/errors.ts";
import { optionHelp, parseCommandArgs } from "./args.ts";
import type { Command } from "./command.ts";
import { config } from "./config.ts";
import { doctor } from "./doctor.ts";
import { events } from "./events.ts";
import { kill } from "./kill.ts";
import { list } from "./list.ts";
import { logs } from "./logs.ts";
import { mcp } from "./mcp.ts";
import { describe, EXIT } from "./messages.ts";
import { resume } from "./resume.ts";
import { service } from "./service.ts";
import { start } from "./start.ts";
import { status } from "./status.ts";
import { watch } from "./watch.ts";
import pkg from "../../package.json" with { type: "json" };

const COMMANDS: ReadonlyArray<Command> = [start, resume, list, status, logs, kill, watch, events, config, service, mcp, doctor];

const find = (name: string) => COMMANDS.find((c) => c.name === name || c.aliases?.includes(name));

const overview = () => [
  `codex-supervisor ${pkg.version}: launch, see, read, kill and watch Codex jobs`,
  "",
  "usage: codex-supervisor COMMAND [options]",
  "",
  ...COMMANDS.map((c) => `  ${[c.name, ...(c.aliases ?? [])].join(", ").padEnd(14)} ${c.summary}`),
  "",
  "Every command takes --config FILE, --json and --help. JOB is a job id or any unique prefix of it.",
  "exit codes: 0 ok, 1 failed, 2 usage or config error, 3 unknown job, 4 refused (not provably the job's)",
].join("\n");

const commandHelp = (c: Command) =>
  [`usage: codex-supervisor ${c.usage}`, "", c.summary, ...(c.details ? ["", c.details] : []), "", "options:", optionHelp(c.options)].join("\n");

export const main = async (argv: ReadonlyArray<string>): Promise<number> => {
  const [name, ...rest] = argv;
  if (name === undefined || name === "help" || name === "--help" || name === "-h") {
    const topic = name === "help" && rest[0] ? find(rest[0]) : undefined;
    process.stdout.write(`${topic ? commandHelp(topic) : overview()}\n`);
    return EXIT.ok;
  }
  if (name === "--version" || name === "-v") {
    process.stdout.write(`${pkg.version}\n`);
    return EXIT.ok;
  }
  const command = find(name);
  if (!command) {
    process.stderr.write(`codex-supervisor: unknown command "${name}"\n\n${overview()}\n`);
    return EXIT.usage;
  }
  try {
    const args = parseCommandArgs(rest, command.options);
    if (args.values.help) {
      process.stdout.write(`${commandHelp(command)}\n`);
      return EXIT.ok;
    }
    return await command.run(args);
  } catch (e) {
    if (e instanceof UsageError) {
      process.stderr.write(`codex-supervisor ${command.name}: ${describe(e).message}\n`);
      return EXIT.usage;
    }
    throw e;
  }
};

if (import.meta.main) {
  process.exitCode = await main(process.argv.slice(2));
}
