import type { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import * as Effect from "effect/Effect";
import { z } from "zod";
import { bytes, clock, elapsed, shortId, truncate } from "../app/text/format.ts";
import { jobEntryJson, jobOutputJson, untrackedJson } from "../app/text/views.ts";
import { listingUncheckedText } from "../app/text/said.ts";
import { jobOutput } from "../app/jobs/output.ts";
import { type JobEntry, listEverything } from "../app/jobs/list.ts";
import { CodexHistory, type RolloutSummary } from "../services/CodexHistory.ts";
import { callScope, runTool, type ServerContext, toolResult } from "./run.ts";
import { cwdArg, statusShape } from "./schemas.ts";

/** `list` plus what each job's history says last: the same listing, the same history reader. */
const statusProgram = (all: boolean) => Effect.gen(function* () {
  const history = yield* CodexHistory;
  const listing = yield* listEverything({ all });
  const summaryOf = (entry: JobEntry) => entry.job.rolloutPath
    ? history.summarize(entry.job.rolloutPath).pipe(Effect.orElseSucceed((): RolloutSummary | undefined => undefined))
    : Effect.succeed(undefined);
  const jobs = yield* Effect.forEach(listing.jobs, (entry) => Effect.gen(function* () {
    const summary = yield* summaryOf(entry);
    const output = yield* jobOutput(entry.job);
    return {
      ...jobEntryJson(entry),
      lastActivityAt: summary?.lastActivityAt ?? null,
      lastAgentMessage: summary?.lastAgentMessage ?? null,
      turnState: summary?.state ?? null,
      ...jobOutputJson(output),
    };
  }), { concurrency: 4 });
  const untracked = listing.untracked.map(untrackedJson);
  return { totals: { all: jobs.length + untracked.length, tracked: jobs.length, untracked: untracked.length }, jobs, untracked, unchecked: listing.unchecked };
});

type Status = Effect.Success<ReturnType<typeof statusProgram>>;

const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? "" : "s"}`;

const render = ({ totals, jobs, untracked, unchecked }: Status, all: boolean): string => {
  const lines = [`${plural(totals.all, "Codex program")}: ${totals.tracked} tracked by the supervisor${all ? " (ended jobs included)" : ""}, ${totals.untracked} not`];
  if (jobs.length > 0) lines.push("", "tracked jobs:");
  for (const j of jobs) {
    const started = Date.parse(j.startedAt);
    lines.push(`- job ${shortId(j.jobId)}${j.name ? ` (${j.name})` : ""} ${j.status}${j.exitCode !== null ? ` (exit ${j.exitCode})` : ""}, pids ${j.pids.join(",") || "none"}${j.strays.length > 0 ? ` (strays ${j.strays.join(",")})` : ""}, cpu ${j.cpu}%, mem ${bytes(j.memory)}, started ${clock(started)} (${elapsed(started, j.endedAt ? Date.parse(j.endedAt) : undefined)})`);
    lines.push(`  id ${j.jobId}, thread ${j.threadId ?? "-"}, cwd ${j.cwd}`);
    if (j.lastActivityAt) lines.push(`  last activity ${clock(Date.parse(j.lastActivityAt))} (${elapsed(Date.parse(j.lastActivityAt))} ago)${j.turnState ? `, turn ${j.turnState}` : ""}`);
    if (j.lastAgentMessage) lines.push(`  last message: ${truncate(j.lastAgentMessage.replace(/\s+/g, " "), 200)}`);
    // Codex's own words on what goes wrong: nowhere in its history
    if (j.stderrTail.length > 0) lines.push(`  codex stderr: ${j.stderrTail.slice(-3).join(" | ")}`);
  }
  if (untracked.length > 0) lines.push("", "not started by the supervisor:");
  for (const u of untracked) {
    const started = Date.parse(u.startedAt);
    lines.push(`- ${u.leftoverOf ? `${u.kind} left by a dead ${u.leftoverOf}` : u.kind} pids ${u.pids.join(",")}, cpu ${u.cpu}%, mem ${bytes(u.memory)}, started ${clock(started)} (${elapsed(started)})`);
    lines.push(`  thread ${u.threadId ?? "-"}, cwd ${u.cwd ?? "-"}${u.claimedJobId ? `, claims job ${u.claimedJobId}` : ""}`);
  }
  const note = listingUncheckedText(unchecked);
  if (note) lines.push("", note);
  return lines.join("\n");
};

export const registerStatus = (server: McpServer, context: ServerContext): void => {
  server.registerTool("codex_status", {
    title: "Codex processes",
    description: [
      "Every Codex process on this machine: the jobs codex-supervisor started (job id, status, pids, CPU,",
      "memory, start time, cwd, thread id, last activity and last agent message) and every other Codex",
      "program (SDK-spawned, the TUI, app-server, ...) with the same process facts. Totals first.",
    ].join(" "),
    inputSchema: {
      all: z.boolean().optional().describe("Include tracked jobs that have ended"),
      cwd: cwdArg,
    },
    outputSchema: statusShape,
    annotations: { readOnlyHint: true },
  }, async ({ all, cwd }) =>
    runTool(callScope(context, cwd, "warn"), statusProgram(all === true), (status) => toolResult(render(status, all === true), status)));
};
