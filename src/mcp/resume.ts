import type { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import * as Effect from "effect/Effect";
import { z } from "zod";
import { findJob } from "../app/jobs/find.ts";
import { DEFAULT_RESUME_PROMPT, resumeJob } from "../app/jobs/resume.ts";
import { callScope, runTool, type ServerContext, toolError } from "./run.ts";
import { cwdArg, jobArg, jobShape, launchArgs, pythonConflict } from "./schemas.ts";
import { launched } from "./start.ts";
import { withOutput } from "../app/jobs/output.ts";

export const registerResume = (server: McpServer, context: ServerContext): void => {
  server.registerTool("codex_resume", {
    title: "Resume a Codex job's thread",
    description: [
      "Continues an ended job's Codex thread (`codex exec resume <thread>`) as a new tracked job in the same",
      "directory, linked to the first (resumedFrom). It runs with the first job's Python unless told otherwise.",
      "A job still running is refused: a thread has one writer at a time.",
    ].join(" "),
    inputSchema: {
      job: jobArg,
      prompt: z.string().min(1).optional().describe(`What Codex should do next (default "${DEFAULT_RESUME_PROMPT}")`),
      cwd: cwdArg,
      ...launchArgs,
    },
    outputSchema: jobShape,
  }, async (input) => {
    const conflict = pythonConflict(input);
    if (conflict) return toolError(conflict);
    const program = Effect.gen(function* () {
      const { job } = yield* resumeJob({
        job: yield* findJob(input.job),
        prompt: input.prompt,
        name: input.name,
        python: { venv: input.venv, python: input.python, noVenv: input.noVenv === true },
        extraArgs: input.args ?? [],
      });
      return yield* withOutput(job);
    });
    return runTool(callScope(context, input.cwd), program, (job) => launched(job));
  });
};
