import type { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import * as Effect from "effect/Effect";
import * as Stream from "effect/Stream";
import { z } from "zod";
import { awaitRollout, readable } from "../app/jobs/logs.ts";
import { jobJson, jobOutputJson } from "../app/text/views.ts";
import { jobOutput } from "../app/jobs/output.ts";
import type { HistoryEvent } from "../core/history/records.ts";
import { jsonRenderer, renderText } from "../core/history/render.ts";
import { isFinal } from "../core/job.ts";
import { findJob } from "../app/jobs/find.ts";
import { CodexHistory } from "../services/CodexHistory.ts";
import { callScope, runTool, type ServerContext, toolResult } from "./run.ts";
import { cwdArg, jobArg, logsShape } from "./schemas.ts";
import { fn } from "../core/fn.ts";

const DEFAULT_TAIL = 50;

/** The events from a line boundary to the file's last complete line (all of it, once the writer is gone). */
const readSince = fn("readSince")(function* (path: string, offset: number, writerGone: boolean) {
  const history = yield* CodexHistory;
  // Followed once: `isDone` at the first pause ends the stream after one last read to the end of the file.
  const read = yield* history.follow(path, offset, { isDone: Effect.succeed(true) }).pipe(Stream.runCollect);
  const last = read.at(-1);
  // A line Codex is still writing is left for the next call rather than reported torn.
  const torn = !writerGone && last?.event.kind === "malformed" && last.event.reason === "incomplete last line";
  const kept = torn ? read.slice(0, -1) : read;
  return { events: kept.map((f) => f.event), endOffset: kept.at(-1)?.endOffset ?? offset };
});

const logsProgram = (query: string, tail: number, sinceOffset: number | undefined) => Effect.gen(function* () {
  const history = yield* CodexHistory;
  const found = yield* findJob(query);
  // no history (a start Codex refused, a model never reached): Codex's stderr is all there is to say
  const rollout = yield* awaitRollout(found, false).pipe(Effect.catchTag("HistoryError", (error) =>
    Effect.gen(function* () {
      const output = yield* jobOutput(found);
      if (output.stderrTail.length === 0) return yield* error;
      return undefined;
    })));
  const job = rollout?.job ?? found;
  const output = yield* jobOutput(job);
  if (!rollout) {
    return { job: jobJson(job), historyFile: null, events: [], omitted: 0, nextOffset: 0, text: "", ...jobOutputJson(output) };
  }
  const { path } = rollout;
  const read = sinceOffset === undefined
    ? yield* history.tail(path, tail, { keep: readable })
    : yield* readSince(path, sinceOffset, isFinal(job.status));
  const all = read.events.filter(readable);
  const events: ReadonlyArray<HistoryEvent> = all.slice(Math.max(0, all.length - tail));
  return {
    job: jobJson(job),
    historyFile: path as string | null,
    events: jsonRenderer()(events).map((line) => JSON.parse(line) as Record<string, unknown>),
    omitted: all.length - events.length,
    nextOffset: read.endOffset,
    text: renderText(events),
    ...jobOutputJson(output),
  };
});

export const registerLogs = (server: McpServer, context: ServerContext): void => {
  server.registerTool("codex_logs", {
    title: "A Codex job's history",
    description: [
      "A job's history, read from Codex's own rollout file: the prompt, agent messages, commands with output",
      "and exit codes, token counts, plus the last lines of Codex's own stderr (stderrTail: why it failed or cannot reach",
      "its model; a job with no history has only that). Rendered text plus normalized events (`logs --json`). By default the last",
      `${DEFAULT_TAIL} events; with sinceOffset (a previous call's nextOffset) only what was written since.`,
    ].join(" "),
    inputSchema: {
      job: jobArg,
      tail: z.number().int().min(0).optional().describe(`At most this many events, the last ones (default ${DEFAULT_TAIL})`),
      sinceOffset: z.number().int().min(0).optional().describe("Only events after this offset: the nextOffset of an earlier call"),
      cwd: cwdArg,
    },
    outputSchema: logsShape,
    annotations: { readOnlyHint: true },
  }, async ({ job, tail, sinceOffset, cwd }) =>
    runTool(callScope(context, cwd), logsProgram(job, tail ?? DEFAULT_TAIL, sinceOffset), ({ text, ...structured }) => {
      const head = `job ${structured.job.jobId.slice(0, 8)} (${structured.job.status}), ${structured.historyFile ?? "no Codex history"}`;
      const more = structured.omitted > 0 ? `(${structured.omitted} earlier events omitted)` : undefined;
      const body = text === "" ? (structured.historyFile === null ? "" : sinceOffset === undefined ? "(no events yet)" : "(nothing new)") : text;
      const said = structured.stderrTail.length > 0 ? ["codex stderr (last lines):", ...structured.stderrTail.map((l) => `  ${l}`)] : [];
      return toolResult([head, ...(more ? [more] : []), ...(body ? [body] : []), ...said].join("\n"), structured);
    }));
};
