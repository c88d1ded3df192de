import { UsageError } from "../core/errors.ts";
import { COMMON_OPTIONS } from "./args.ts";
import type { Command } from "./command.ts";
import { EXIT } from "../app/text/messages.ts";
import { configSearchDir } from "./workingDir.ts";

export const mcp: Command = {
  name: "mcp",
  summary: "serve the supervisor's tools to an MCP client over stdio",
  usage: "mcp [--config FILE]",
  details: [
    "An MCP server on stdin/stdout with the tools codex_status, codex_start, codex_resume, codex_logs,",
    "codex_kill and codex_doctor: the same core as the CLI. Each call finds its config from its own `cwd`",
    "argument (default: this command's directory); --config uses one file for every call instead.",
  ].join("\n"),
  options: { ...COMMON_OPTIONS },
  run: async ({ values, positionals }, doors) => {
    if (positionals.length > 0) throw new UsageError({ message: "mcp takes no arguments" });
    // stdout carries the protocol: anything a config or plugin prints must go elsewhere
    console.log = console.info = console.debug = console.error;
    await doors.serveMcp({ cwd: configSearchDir(), configFile: values.config as string | undefined });
    return EXIT.ok;
  },
};
