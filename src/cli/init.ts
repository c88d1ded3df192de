import { mkdirSync } from "node:fs";
import { resolve } from "node:path";
import { currentUserConfigDir } from "../config/paths.ts";
import { writeStarter } from "../config/starter.ts";
import { UsageError } from "../core/errors.ts";
import { COMMON_OPTIONS } from "./args.ts";
import { type Command, print, printJson } from "./command.ts";
import { EXIT } from "../app/text/messages.ts";
import { reportFailure } from "../app/failure.ts";
import { requireWorkingDir } from "./workingDir.ts";

export const init: Command = {
  name: "init",
  summary: "write a commented starter config (max runtime, stuck jobs, orphans)",
  usage: "init [DIR] [--global] [--json]",
  details: [
    "Writes codex-supervisor.config.ts in DIR (default: here), or with --global the config every job is",
    "judged by (config.ts in the user config folder). It imports `codex-supervisor`, which resolves to this",
    "supervisor wherever the file is. Never overwrites: a folder that holds a config already is left alone.",
    "A project file applies once trusted: `codex-supervisor trust DIR` after editing it.",
  ].join("\n"),
  options: {
    global: { type: "boolean", help: "write the global config instead of a project's" },
    ...COMMON_OPTIONS,
  },
  run: async ({ values, positionals }) => {
    const global = values.global === true;
    if (positionals.length > 1 || (global && positionals.length > 0)) {
      throw new UsageError({ message: global ? "init --global takes no DIR" : "init takes at most one DIR" });
    }
    const dir = global ? currentUserConfigDir() : resolve(positionals[0] ?? requireWorkingDir());
    if (global) mkdirSync(dir, { recursive: true });
    const written = writeStarter(dir, global);
    if ("exists" in written) {
      reportFailure("ConfigExists", `${written.exists} exists already: nothing was written (edit it, or remove it first)`);
      return EXIT.failed;
    }
    if (values.json) return printJson({ file: written.file, global }), EXIT.ok;
    print(`wrote ${written.file}`);
    print(global ? "it applies to every job; `codex-supervisor config` shows the result"
      : `edit it, then \`codex-supervisor trust ${dir}\` to apply it (a project's config runs only once trusted)`);
    return EXIT.ok;
  },
};
