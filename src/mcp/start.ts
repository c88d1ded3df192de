import type { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import type { CallToolResult } from "@modelcontextprotocol/sdk/types.js";
import * as Effect from "effect/Effect";
import { z } from "zod";
import { launchedText } from "../app/text/said.ts";
import { failedLaunchText, isFailedLaunch, jobJson, jobOutputJson } from "../app/text/views.ts";
import type { SkippedConfig } from "../config/load.ts";
import { skippedText } from "../config/trust.ts";
import type { Job } from "../core/job.ts";
import { type JobOutput, withOutput } from "../app/jobs/output.ts";
import { startJob } from "../app/jobs/start.ts";
import { Settings } from "../services/Settings.ts";
import { callScope, runTool, type ServerContext, toolError, toolResult } from "./run.ts";
import { jobShape, launchArgs, pythonConflict } from "./schemas.ts";

/**
 * A job launched (or resumed), told the way `start` tells it; a Codex that died at once is an error, in its own words.
 * A project config that was not applied is said (the job got the global config): the server never trusts one itself.
 */
export const launched = ({ job, output }: { job: Job; output: JobOutput }, skipped?: SkippedConfig): CallToolResult => {
  const json = {
    ...jobJson(job), ...jobOutputJson(output),
    ...(skipped ? { configNotApplied: { file: skipped.file, reason: skipped.reason, fix: skipped.fix ?? null } } : {}),
  };
  if (isFailedLaunch(job)) return toolError(failedLaunchText(job, output), json);
  const config = skipped ? [["config", `${skippedText(skipped)}; the job runs with the global config`] as const] : [];
  return toolResult(launchedText(job, undefined, config), json);
};

export const registerStart = (server: McpServer, context: ServerContext): void => {
  server.registerTool("codex_start", {
    title: "Start a Codex job",
    description: [
      "Launches `codex exec` detached as a tracked job and returns once it runs (it outlives this call).",
      "The prompt reaches Codex on stdin, never in argv. Tool commands run the project's Python: venv or",
      "python if given, else the config's, else the nearest .venv/venv upward from cwd.",
    ].join(" "),
    inputSchema: {
      prompt: z.string().min(1).describe("What Codex should do"),
      cwd: z.string().optional().describe("Directory the job runs in, whose config applies (default: the server's)"),
      ...launchArgs,
    },
    outputSchema: jobShape,
  }, async (input) => {
    const conflict = pythonConflict(input);
    if (conflict) return toolError(conflict);
    const scope = callScope(context, input.cwd);
    const program = startJob({
      prompt: input.prompt,
      cwd: scope.cwd,
      name: input.name,
      python: { venv: input.venv, python: input.python, noVenv: input.noVenv === true },
      extraArgs: input.args ?? [],
    }).pipe(
      Effect.flatMap((r) => withOutput(r.job)),
      Effect.flatMap((launch) => Effect.map(Settings, (settings) => ({ launch, skipped: settings.skippedConfig }))),
    );
    return runTool(scope, program, ({ launch, skipped }) => launched(launch, skipped));
  });
};
