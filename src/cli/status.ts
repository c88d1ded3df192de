import { findJob } from "../app/jobs/find.ts";
import * as Effect from "effect/Effect";
import { UsageError } from "../core/errors.ts";
import { formatTokens } from "../core/history/render.ts";
import { inspectJob, type JobDetail } from "../app/jobs/inspect.ts";
import { COMMON_OPTIONS, WIDE_OPTION } from "./args.ts";
import { type Command, print, printJson } from "./command.ts";
import { cutEnd, outputWidth } from "../app/text/fit.ts";
import { bytes, clock, elapsed, fields, shortId, truncate } from "../app/text/format.ts";
import { oneLine } from "../app/text/terminal.ts";
import { runProgram } from "../app/runtime.ts";
import { describePython, describeStatus, detailJson } from "../app/text/views.ts";
import { configSearchDir } from "./workingDir.ts";

/** The text view; given a width, each value wraps under itself and each process line is cut to fit. */
const render = (d: JobDetail, width: number | undefined): string => {
  const { job, history } = d;
  const rows: Array<[string, string]> = [
    ["job", `${job.id}${job.name ? ` (${job.name})` : ""}`],
    ["status", describeStatus(job)],
    ["started", `${clock(job.createdAt)} (${elapsed(job.createdAt, job.endedAt)}${job.endedAt ? "" : " ago"})`],
    ...(job.endedAt ? [["ended", clock(job.endedAt)] as [string, string]] : []),
    ["cwd", job.cwd],
    ["python", describePython(job.python)],
    ["pids", d.tree.length > 0 ? `${d.tree.map((p) => p.pid).join(" ")}  cpu ${d.cpu}%  mem ${bytes(d.memory)}` : "none running"],
    ...(d.strays.length > 0 ? [["strays", `${d.strays.join(" ")} (cut off from the job's tree, found by its marker; \`kill\` ends them)`] as [string, string]] : []),
    ["thread", job.threadId ?? "-"],
    ["history", job.rolloutPath ?? "-"],
  ];
  if (job.resumedFrom) rows.push(["resumes", job.resumedFrom]);
  if (history?.lastActivityAt) rows.push(["activity", `${clock(Date.parse(history.lastActivityAt))} (${elapsed(Date.parse(history.lastActivityAt))} ago)`]);
  if (history?.tokens) rows.push(["tokens", formatTokens(history.tokens).replace(/^tokens: /, "")]);
  if (history?.lastAgentMessage) rows.push(["message", width === undefined ? history.lastAgentMessage.replace(/\s+/g, " ") : truncate(history.lastAgentMessage.replace(/\s+/g, " "), 200)]);
  if (d.historyProblem) rows.push(["note", d.historyProblem]);
  if (d.unchecked.length > 0) rows.push(["unchecked", `${d.unchecked.join("; ")}: what rests on it may be missing above`]);
  const lines = fields(rows, 9, "", width);
  if (d.output.stderrTail.length > 0) {
    // what Codex says goes wrong (a model it cannot reach, a refused start) is nowhere in its history
    const title = `codex stderr, last lines (all: logs ${shortId(job.id)} --stderr):`;
    lines.push("", width === undefined ? title : cutEnd(title, width));
    for (const line of d.output.stderrTail) lines.push(width === undefined ? `  ${oneLine(line)}` : cutEnd(`  ${oneLine(line)}`, width));
  }
  if (d.tree.length > 0) {
    lines.push("", "process tree:");
    for (const p of d.tree) {
      const line = `  ${String(p.pid).padStart(7)} ${String(p.ppid).padStart(7)} ${p.state} ${oneLine(p.argv.join(" ") || p.name)}`;
      lines.push(width === undefined ? line : cutEnd(line, width));
    }
  }
  return lines.join("\n");
};

export const status: Command = {
  name: "status",
  summary: "one job in full: state, process tree, history file, tokens, last message",
  usage: "status JOB [--wide] [--json]",
  options: { ...WIDE_OPTION, ...COMMON_OPTIONS },
  run: async ({ values, positionals }) => {
    if (positionals.length !== 1) throw new UsageError({ message: "status takes one JOB (an id or a unique prefix)" });
    const program = Effect.gen(function* () {
      return yield* inspectJob(yield* findJob(positionals[0]!));
    });
    return runProgram({ cwd: configSearchDir(), configFile: values.config as string | undefined, badProjectConfig: "warn" }, program, (d) => {
      if (values.json) printJson(detailJson(d));
      else print(render(d, outputWidth(values.wide === true)));
    });
  },
};
