#!/usr/bin/env bun
/**
 * The program: the CLI door, given the other two doors for its `mcp` and `watch` commands. The one
 * place that knows every door; each is loaded only when its command runs (`list` never pays for the
 * MCP SDK or the watchdog).
 */
import type { Doors } from "./app/doors.ts";
import { main as cli } from "./cli/main.ts";

const doors: Doors = {
  serveMcp: async (context) => (await import("./mcp/server.ts")).serveStdio(context),
  runWatchdog: async (options) => (await import("./watchdog/run.ts")).runWatchdog(options),
};

export const main = (argv: ReadonlyArray<string>): Promise<number> => cli(argv, doors);

if (import.meta.main) {
  void main(process.argv.slice(2)).then((code) => {
    process.exitCode = code;
  });
}
