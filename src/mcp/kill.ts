import type { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import * as Effect from "effect/Effect";
import { z } from "zod";
import { shortId } from "../app/text/format.ts";
import { killJson } from "../app/text/views.ts";
import { killText } from "../app/text/said.ts";
import { DURATION_RANGES, readDuration } from "../core/duration.ts";
import { findJob } from "../app/jobs/find.ts";
import { killJob } from "../app/jobs/kill.ts";
import { callScope, runTool, type ServerContext, toolError, toolResult } from "./run.ts";
import { cwdArg, jobArg, killShape } from "./schemas.ts";

export const registerKill = (server: McpServer, context: ServerContext): void => {
  server.registerTool("codex_kill", {
    title: "Kill a Codex job's whole tree",
    description: [
      "Ends a job's whole process tree: the launcher, the native Codex and every descendant, including tool",
      "processes in other sessions and those reparented to init that carry the job's marker. Each pid is",
      "proven to be the job's (start time, boot, owner) right before every signal; a pid that is now another",
      "process is refused. SIGTERM, the grace, then SIGKILL.",
    ].join(" "),
    inputSchema: {
      job: jobArg,
      grace: z.string().optional().describe("Time between SIGTERM and SIGKILL, like 500ms or 5s, from 0s to 10m (default 5s)"),
      cwd: cwdArg,
    },
    outputSchema: killShape,
    annotations: { destructiveHint: true, idempotentHint: true },
  }, async ({ job, grace, cwd }) => {
    const reading = readDuration(grace ?? "5s", DURATION_RANGES.grace);
    if ("problem" in reading) return toolError(`grace: ${reading.problem}`);
    const graceMs = reading.ms;
    const program = Effect.gen(function* () {
      return yield* killJob(yield* findJob(job), graceMs, { reason: "MCP codex_kill" });
    });
    return runTool(callScope(context, cwd), program, (outcome) => {
      const json = killJson(outcome);
      const id = shortId(outcome.job.id);
      const n = json.members.length;
      if (outcome.unrecorded && outcome.result !== "survivors") {
        return toolError(`job ${id}: ${outcome.result}, ${n} process(es) ended, but the kill could not be recorded: ${String(outcome.unrecorded.cause)}`, json);
      }
      return outcome.result === "survivors" ? toolError(killText(outcome), json) : toolResult(killText(outcome), json);
    });
  });
};
