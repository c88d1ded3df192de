import { parseArgs } from "node:util";
import { UsageError } from "../core/errors.ts";

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

export const parseCommandArgs = (argv: ReadonlyArray<string>, options: Record<string, OptionSpec>): ParsedArgs => {
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
    throw new UsageError({ message: (cause as Error).message.replace(/\. To specify a positional.*$/s, "") });
  }
};

export const optionHelp = (options: Record<string, OptionSpec>): string =>
  Object.entries(options).map(([name, o]) => {
    const flag = `${o.short ? `-${o.short}, ` : "    "}--${name}${o.type === "string" ? ` ${o.value ?? "VALUE"}` : ""}`;
    return `  ${flag.padEnd(28)} ${o.help}`;
  }).join("\n");
