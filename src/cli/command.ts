import type { OptionSpec, ParsedArgs } from "./args.ts";
import { stdout } from "./output.ts";

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
  readonly run: (args: ParsedArgs) => Promise<number>;
}

export const printJson = (value: unknown): void => {
  stdout.write(`${JSON.stringify(value, null, 2)}\n`);
};

export const print = (text: string): void => {
  stdout.write(`${text}\n`);
};
