import type { Doors } from "../app/doors.ts";
import type { OptionSpec, ParsedArgs } from "./args.ts";
import { jsonPieces } from "./json.ts";
import { jsonStdout, stdout } from "../app/output.ts";

/** One CLI command: flags and help here, the work in the core. */
export interface Command {
  readonly name: string;
  readonly aliases?: ReadonlyArray<string>;
  readonly summary: string;
  /** The synopsis after `codex-supervisor`, e.g. `kill JOB [--grace DURATION]`. */
  readonly usage: string;
  /** Extra lines for --help: what the command does, in a sentence or three. */
  readonly details?: string;
  readonly options: Record<string, OptionSpec>;
  /** Takes `-- CODEX_EXEC_ARGS...`: a codex exec option given before `--` is told to go after it. */
  readonly codexArgs?: boolean;
  /** `doors`: the MCP server and the watchdog, for the commands that start them. */
  readonly run: (args: ParsedArgs, doors: Doors) => Promise<number>;
}

/** Prints `JSON.stringify(value, null, 2)`, a top-level object's long lists a batch at a time (see json.ts). */
export const printJson = (value: unknown): void => {
  let pending = "";
  for (const piece of jsonPieces(value)) {
    pending += piece;
    if (pending.length >= 1 << 16) {
      jsonStdout.write(pending);
      pending = "";
    }
  }
  jsonStdout.write(`${pending}\n`);
};

/** One JSON value per line (`events --json`, `logs --json`). */
export const printJsonLines = (lines: ReadonlyArray<string>): void => {
  if (lines.length > 0) jsonStdout.write(`${lines.join("\n")}\n`);
};

/** Text for a person: made terminal-safe on the way out (output.ts). */
export const print = (text: string): void => {
  stdout.write(`${text}\n`);
};
