import { type JobEntry, listEverything } from "../app/jobs/list.ts";
import { COMMON_OPTIONS, WIDE_OPTION } from "./args.ts";
import { type Command, print, printJson } from "./command.ts";
import { outputWidth, shortThread, tildePath } from "../app/text/fit.ts";
import { bytes, clock, type ColumnFit, elapsed, shortId, table } from "../app/text/format.ts";
import { JsonList } from "./json.ts";
import { runProgram } from "../app/runtime.ts";
import { stderr } from "../app/output.ts";
import { listingUncheckedText } from "../app/text/said.ts";
import { jobEntryJson, kindText, statusText, untrackedJson } from "../app/text/views.ts";
import { configSearchDir } from "./workingDir.ts";

/** The first two PIDs of the job's tree, and its strays' (what is left of an ended job): the PID to look at or kill. */
const shownPids = ({ job, pids, strays }: JobEntry): string => {
  const own = pids.filter((p) => !strays.includes(p)).slice(0, 2);
  const shown = [...own, ...strays.slice(0, 2)];
  return shown.join(",") || String(job.launcher.pid);
};

// Narrowed, the name and the cwd give way first; then the columns least needed to tell jobs apart go.
const JOB_FIT: ReadonlyArray<ColumnFit> = [
  {}, { cut: "end", min: 6, drop: 3 }, {}, { cut: "end", min: 6, drop: 4 }, { drop: 6 }, { drop: 5 }, { drop: 7 }, {},
  { drop: 2 }, { cut: "middle", min: 24 },
];
const UNTRACKED_FIT: ReadonlyArray<ColumnFit> = [
  { cut: "end", min: 6 }, {}, { drop: 6 }, { drop: 5 }, { drop: 7 }, {}, { drop: 2 }, { cut: "middle", min: 24 },
];

export const list: Command = {
  name: "list",
  aliases: ["ps"],
  summary: "show the supervisor's jobs and every other Codex process",
  usage: "list [--all] [--wide] [--json]",
  details: [
    "Running jobs first (with --all, ended ones too), then every Codex program the supervisor did not start.",
    "An ended job whose processes live on cut off from its tree (strays: a daemon its tool left, found by the",
    "job's marker) is listed too, its status followed by \"strays\". A Codex running inside a job (a sub-agent)",
    "is part of that job, not listed on its own.",
  ].join("\n"),
  options: {
    all: { type: "boolean", short: "a", help: "include ended jobs" },
    ...WIDE_OPTION,
    ...COMMON_OPTIONS,
  },
  run: async ({ values }) =>
    runProgram({ cwd: configSearchDir(), configFile: values.config as string | undefined, badProjectConfig: "warn" }, listEverything({ all: values.all === true }), (result) => {
      if (values.json) return printJson({ jobs: new JsonList(result.jobs, jobEntryJson), untracked: result.untracked.map(untrackedJson), unchecked: result.unchecked });
      const wide = values.wide === true;
      const width = outputWidth(wide);
      const id = wide ? (s: string) => s : shortId;
      const thread = (t: string | undefined) => (t === undefined ? "-" : wide ? t : shortThread(t));
      const cwd = (c: string | undefined) => (c === undefined ? "-" : wide ? c : tildePath(c));
      const rows = result.jobs.map((entry) => {
        const { job } = entry;
        return [
          id(job.id), job.name ?? "-", statusText(entry), shownPids(entry),
          `${entry.cpu}%`, bytes(entry.memory), clock(job.createdAt), elapsed(job.createdAt, job.endedAt), thread(job.threadId), cwd(job.cwd),
        ];
      });
      print(rows.length > 0
        ? table(["JOB", "NAME", "STATUS", "PIDS", "CPU", "MEM", "STARTED", "ELAPSED", "THREAD", "CWD"], rows, { width, fit: JOB_FIT })
        : `no ${values.all ? "" : "running "}jobs`);
      if (result.untracked.length > 0) {
        print(`\nnot started by the supervisor (${result.untracked.length}):`);
        print(table(["PIDS", "KIND", "CPU", "MEM", "STARTED", "ELAPSED", "THREAD", "CWD"], result.untracked.map((u) => [
          u.pids.join(","), kindText(u), `${u.cpu}%`, bytes(u.memory), clock(u.startedAt), elapsed(u.startedAt),
          thread(u.threadId), cwd(u.cwd),
        ]), { width, fit: UNTRACKED_FIT }));
      }
      const unchecked = listingUncheckedText(result.unchecked);
      if (unchecked) stderr.write(`${unchecked}\n`);
    }),
};
