import { listEverything } from "../core/jobs/list.ts";
import { COMMON_OPTIONS } from "./args.ts";
import { type Command, print, printJson } from "./command.ts";
import { bytes, clock, elapsed, shortId, table, truncate } from "./format.ts";
import { JsonList } from "./json.ts";
import { runProgram } from "./runtime.ts";
import { jobEntryJson, untrackedJson } from "./views.ts";
import { configSearchDir } from "./workingDir.ts";

export const list: Command = {
  name: "list",
  aliases: ["ps"],
  summary: "show the supervisor's jobs and every other Codex process",
  usage: "list [--all] [--json]",
  details: "Running jobs first (with --all, ended ones too), then every Codex program the supervisor did not start.",
  options: {
    all: { type: "boolean", short: "a", help: "include ended jobs" },
    ...COMMON_OPTIONS,
  },
  run: async ({ values }) =>
    runProgram({ cwd: configSearchDir(), configFile: values.config as string | undefined }, listEverything({ all: values.all === true }), (result) => {
      if (values.json) return printJson({ jobs: new JsonList(result.jobs, jobEntryJson), untracked: result.untracked.map(untrackedJson) });
      const rows = result.jobs.map(({ job, pids, cpu, memory }) => [
        shortId(job.id), truncate(job.name ?? "-", 16), job.status, pids.slice(0, 2).join(",") || String(job.launcher.pid),
        `${cpu}%`, bytes(memory), clock(job.createdAt), elapsed(job.createdAt, job.endedAt), job.threadId ?? "-", job.cwd,
      ]);
      print(rows.length > 0
        ? table(["JOB", "NAME", "STATUS", "PIDS", "CPU", "MEM", "STARTED", "ELAPSED", "THREAD", "CWD"], rows)
        : `no ${values.all ? "" : "running "}jobs`);
      if (result.untracked.length > 0) {
        print(`\nnot started by the supervisor (${result.untracked.length}):`);
        print(table(["PIDS", "KIND", "CPU", "MEM", "STARTED", "ELAPSED", "THREAD", "CWD"], result.untracked.map((u) => [
          u.pids.join(","), u.kind, `${u.cpu}%`, bytes(u.memory), clock(u.startedAt), elapsed(u.startedAt),
          u.threadId ?? "-", u.cwd ?? "-",
        ])));
      }
    }),
};
