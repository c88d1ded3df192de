import type { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import * as Cause from "effect/Cause";
import * as Effect from "effect/Effect";
import * as Exit from "effect/Exit";
import { z } from "zod";
import { doctorReport, renderDoctor, runDoctor } from "../app/doctor/index.ts";
import { callScope, type ServerContext, toolError, toolResult } from "./run.ts";
import { cwdArg } from "./schemas.ts";

/** The `doctor --json` report. */
const doctorShape = z.looseObject({
  ok: z.boolean().describe("no check failed (warnings allowed)"),
  checks: z.array(z.looseObject({
    id: z.string(),
    title: z.string(),
    status: z.enum(["ok", "warn", "fail"]),
    detail: z.string(),
    fix: z.string().optional(),
  })),
});

export const registerDoctor = (server: McpServer, context: ServerContext): void => {
  server.registerTool("codex_doctor", {
    title: "Check a directory for Codex jobs",
    description: [
      "Checks what a job in a directory depends on: the config, the codex binary, Codex's history formats,",
      "the job database, the Python its tool commands would run, the watchdog service. Each check says ok,",
      "warn or fail, what it found and how to fix a problem. Read-only.",
    ].join(" "),
    inputSchema: { cwd: cwdArg },
    outputSchema: doctorShape,
    annotations: { readOnlyHint: true },
  }, async ({ cwd }) => {
    const scope = callScope(context, cwd);
    const exit = await Effect.runPromiseExit(runDoctor({ cwd: scope.cwd, configFile: scope.configFile, env: process.env }));
    if (Exit.isFailure(exit)) return toolError(`internal error: ${Cause.pretty(exit.cause)}`);
    const report = doctorReport(exit.value);
    return toolResult(renderDoctor(report, scope.cwd), { ...report });
  });
};
