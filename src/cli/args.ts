import { parseArgs } from "node:util";
import { didYouMean } from "../core/didYouMean.ts";
import { UsageError } from "../core/errors.ts";
import { CODEX_EXEC_OPTIONS } from "./codexOptions.ts";

export interface OptionSpec {
  readonly type: "string" | "boolean";
  readonly short?: string;
  readonly multiple?: boolean;
  /** Shown by --help; `<VALUE>` names the argument. */
  readonly help: string;
  readonly value?: string;
}

/** Flags every command takes. */
export const COMMON_OPTIONS = {
  config: { type: "string", value: "FILE", help: "use this config file (over the global one) instead of searching" },
  json: { type: "boolean", help: "print machine-readable JSON" },
  help: { type: "boolean", short: "h", help: "show this help" },
} as const satisfies Record<string, OptionSpec>;

/** For commands that print tables: the terminal's width is the limit unless this is given. */
export const WIDE_OPTION = {
  wide: { type: "boolean", help: "show whole values (ids, paths, messages) however wide the lines get" },
} as const satisfies Record<string, OptionSpec>;

/** How a launch picks its Python: shared by `start` and `resume`. */
export const PYTHON_OPTIONS = {
  venv: { type: "string", value: "DIR", help: "run tool commands in this virtualenv" },
  python: { type: "string", value: "PATH", help: "run tool commands with this interpreter" },
  "no-venv": { type: "boolean", help: "leave Python alone" },
} as const satisfies Record<string, OptionSpec>;

/** At most one of --venv, --python, --no-venv. */
export const checkPythonOptions = (values: ParsedArgs["values"]): void => {
  const chosen = Object.keys(PYTHON_OPTIONS).filter((k) => values[k] !== undefined);
  if (chosen.length > 1) throw new UsageError({ message: `--${chosen.join(" and --")} cannot be used together` });
};

export interface ParsedArgs {
  readonly values: Record<string, string | boolean | string[] | undefined>;
  readonly positionals: ReadonlyArray<string>;
  /** Everything after a bare `--`, untouched. */
  readonly passthrough: ReadonlyArray<string>;
}

/** What a command's arguments are checked against: its options, and whether it passes `-- ARGS` to codex exec. */
export interface ArgsSpec {
  readonly name: string;
  readonly usage: string;
  readonly options: Record<string, OptionSpec>;
  readonly codexArgs?: boolean | undefined;
}

/** The first option in `own` that the command does not take, as the user wrote its name (`--jsno`, `-m`). */
const firstUnknown = (own: ReadonlyArray<string>, options: Record<string, OptionSpec>): string | undefined => {
  const shorts = new Set(Object.values(options).flatMap((o) => (o.short ? [o.short] : [])));
  for (const token of own) {
    if (token.startsWith("--")) {
      const name = token.slice(2).split("=")[0]!;
      if (!(name in options)) return `--${name}`;
    } else if (token.startsWith("-") && token.length > 1 && !shorts.has(token[1]!)) {
      return token.slice(0, 2);
    }
  }
  return undefined;
};

const codexUsage = (spec: ArgsSpec): string => spec.usage.replace(/\[options\] /, "").replace(/ \[-- .*$/, "");

/** Says what an unknown option is likely meant to be: one of the command's own, or one of codex exec's that goes after `--`. */
export const unknownOptionMessage = (given: string, spec: ArgsSpec): string => {
  if (CODEX_EXEC_OPTIONS.has(given)) {
    return spec.codexArgs
      ? `${given} is an option of codex exec, not of ${spec.name}: put it after --, as in codex-supervisor ${codexUsage(spec)} -- ${given} ...`
      : `unknown option ${given} (only start and resume pass options to codex exec, after --)`;
  }
  const names = Object.keys(spec.options);
  const guess = given.startsWith("--") ? didYouMean(given.slice(2), names) : undefined;
  return `unknown option ${given} (${guess ? `did you mean --${guess}?` : `${spec.name} takes ${names.map((n) => `--${n}`).join(", ")}`})`;
};

export const parseCommandArgs = (argv: ReadonlyArray<string>, spec: ArgsSpec): ParsedArgs => {
  const { options } = spec;
  const split = argv.indexOf("--");
  const own = split < 0 ? argv : argv.slice(0, split);
  try {
    const parsed = parseArgs({
      args: [...own],
      options: Object.fromEntries(Object.entries(options).map(([name, o]) => [name, {
        type: o.type,
        ...(o.short ? { short: o.short } : {}),
        ...(o.multiple ? { multiple: true } : {}),
      }])),
      allowPositionals: true,
      strict: true,
    });
    return {
      values: parsed.values as ParsedArgs["values"],
      positionals: parsed.positionals,
      passthrough: split < 0 ? [] : argv.slice(split + 1),
    };
  } catch (cause) {
    const unknown = (cause as { code?: unknown }).code === "ERR_PARSE_ARGS_UNKNOWN_OPTION" ? firstUnknown(own, options) : undefined;
    if (unknown) throw new UsageError({ message: unknownOptionMessage(unknown, spec) });
    throw new UsageError({ message: (cause as Error).message.replace(/\. To specify a positional.*$/s, "") });
  }
};

export const optionHelp = (options: Record<string, OptionSpec>): string =>
  Object.entries(options).map(([name, o]) => {
    const flag = `${o.short ? `-${o.short}, ` : "    "}--${name}${o.type === "string" ? ` ${o.value ?? "VALUE"}` : ""}`;
    return `  ${flag.padEnd(28)} ${o.help}`;
  }).join("\n");
