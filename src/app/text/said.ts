import type { Job } from "../../core/job.ts";
import type { KillOutcome } from "../jobs/kill.ts";
import { fields, shortId } from "./format.ts";
import { oneLine } from "./terminal.ts";
import { describePython, survivorList } from "./views.ts";

/**
 * What the supervisor says after it acted, the same words whichever door asked: the CLI prints
 * them, the MCP tools return them as their text.
 */

/** A job just started or resumed: a headline, then its fields; `extra` rows go last (MCP: a config not applied). */
export const launchedText = (job: Job, width?: number, extra: ReadonlyArray<readonly [string, string]> = []): string => {
  const named = job.name ? ` (${oneLine(job.name)})` : "";
  const headline = job.resumedFrom
    ? `resumed job ${shortId(job.resumedFrom)} as job ${shortId(job.id)}${named}, pid ${job.launcher.pid}`
    : `started job ${shortId(job.id)}${named}, pid ${job.launcher.pid}`;
  const rows: Array<readonly [string, string]> = [
    ["id", job.id],
    ...(job.resumedFrom ? [["resumes", job.resumedFrom] as const] : []),
    ["thread", job.threadId ?? "- (not started yet)"],
    ["cwd", job.cwd],
    ["python", describePython(job.python)],
    // a job may well finish inside the settle window
    ...(job.status === "completed" ? [["status", "already completed"] as const] : []),
    ...extra,
  ];
  return [headline, ...fields(rows, 7, "  ", width)].join("\n");
};

/** `; but could not check …`, or nothing when the kill checked everything: never a clean "killed" over a gap. */
export const uncheckedText = (unchecked: ReadonlyArray<string> | undefined): string =>
  unchecked && unchecked.length > 0 ? `; but could not check ${unchecked.join("; ")}` : "";

/** What a listing (`list`, MCP `codex_status`) says when the process table could not read a kind of fact; undefined when it read all. */
export const listingUncheckedText = (unchecked: ReadonlyArray<string>): string | undefined =>
  unchecked.length > 0 ? `could not check ${unchecked.join("; ")}: threads, cwds and strays that rest on it may be missing above` : undefined;

/** The outcome of a kill; `inAllMs`, the time since the asking command started (the CLI's own clock). */
export const killText = ({ job, result, report }: KillOutcome, inAllMs?: number): string => {
  const id = shortId(job.id);
  switch (result) {
    case "already-gone":
      return `job ${id} was not running (${job.status}); nothing to kill`;
    case "killed": {
      const n = report?.members.length ?? 0;
      // the tree's time runs from the first signal; `in all` counts from the command's start
      return `killed job ${id}: ${n} process${n === 1 ? "" : "es"} ended in ${report?.elapsedMs ?? 0} ms after the first signal${inAllMs === undefined ? "" : `, ${inAllMs.toFixed(0)} ms in all`}${uncheckedText(report?.unchecked)}`;
    }
    case "survivors":
      return `job ${id}: ${report?.survivors.length ?? 0} process(es) survived the kill: ${survivorList(report?.survivorReasons ?? [])}`;
  }
};
