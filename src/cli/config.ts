import { resolve } from "node:path";
import { loadConfig } from "../config/load.ts";
import { skippedText } from "../config/trust.ts";
import { ConfigError } from "../core/errors.ts";
import { COMMON_OPTIONS } from "./args.ts";
import { type Command, print, printJson } from "./command.ts";
import { describe } from "../app/text/messages.ts";
import { reportFailure } from "../app/failure.ts";
import { requireWorkingDir } from "./workingDir.ts";

/** Plugin objects (TS configs) print as their name: functions have no JSON form. */
const printable = (value: unknown): unknown =>
  JSON.parse(JSON.stringify(value, (_k, v: unknown) =>
    typeof v === "function" ? "[function]" : v));

export const config: Command = {
  name: "config",
  summary: "the effective config for a directory, and the files it came from",
  usage: "config [--cwd DIR] [--json]",
  details: [
    "Shows what a job started in DIR would be judged by: the global file with the project's over it.",
    "A project file applies only once trusted (see `trust`); one that is not is named, with the command that trusts it.",
    "Durations are in milliseconds and sizes in bytes, as the watchdog uses them.",
  ].join("\n"),
  options: {
    cwd: { type: "string", value: "DIR", help: "the directory to resolve for (default: here)" },
    ...COMMON_OPTIONS,
  },
  run: async ({ values }) => {
    const cwd = resolve((values.cwd as string | undefined) ?? requireWorkingDir());
    try {
      const loaded = await loadConfig({ cwd, explicitFile: values.config as string | undefined });
      const skipped = loaded.skipped ? { file: loaded.skipped.file, reason: loaded.skipped.reason, fix: loaded.skipped.fix ?? null } : null;
      if (values.json) return printJson({ cwd, files: loaded.files, notApplied: skipped ?? null, config: printable(loaded.config) }), 0;
      print(`config for ${cwd}`);
      print(loaded.files.length > 0 ? `files (later wins):\n${loaded.files.map((f) => `  ${f}`).join("\n")}` : "files: none (defaults only)");
      if (loaded.skipped) print(`untrusted: ${skippedText(loaded.skipped)}`);
      print(JSON.stringify(printable(loaded.config), null, 2));
      return 0;
    } catch (e) {
      if (!(e instanceof ConfigError)) throw e;
      const { message, exitCode } = describe(e);
      reportFailure(e._tag, message);
      return exitCode;
    }
  },
};
