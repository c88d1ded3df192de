import * as Effect from "effect/Effect";
import { resolve } from "node:path";
import { doctorReport, renderDoctor, runDoctor } from "../app/doctor/index.ts";
import { COMMON_OPTIONS, WIDE_OPTION } from "./args.ts";
import { type Command, print, printJson } from "./command.ts";
import { outputWidth, wrapLines } from "../app/text/fit.ts";
import { EXIT } from "../app/text/messages.ts";
import { requireWorkingDir } from "./workingDir.ts";

export const doctor: Command = {
  name: "doctor",
  summary: "check what jobs in a directory depend on, and say how to fix each problem",
  usage: "doctor [--cwd DIR] [--wide] [--json]",
  details: [
    "Checks the config files for DIR, the codex binary and its version, CODEX_HOME and whether its history",
    "is in a format this version reads, the job database, the Python a job in DIR would get with the",
    "supervisor and with plain `codex exec` (whose login shell resets PATH), and the watchdog service.",
    "Changes nothing. Exit 0 when no check fails (warnings allowed), 1 otherwise.",
  ].join("\n"),
  options: {
    cwd: { type: "string", value: "DIR", help: "the directory a job would run in (default: here)" },
    ...WIDE_OPTION,
    ...COMMON_OPTIONS,
  },
  run: async ({ values }) => {
    const cwd = resolve((values.cwd as string | undefined) ?? requireWorkingDir());
    const checks = await Effect.runPromise(runDoctor({ cwd, configFile: values.config as string | undefined }));
    const report = doctorReport(checks);
    if (values.json) printJson(report);
    else print(wrapLines(renderDoctor(report, cwd), outputWidth(values.wide === true)));
    return report.ok ? EXIT.ok : EXIT.failed;
  },
};
