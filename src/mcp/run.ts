import { resolve } from "node:path";
import type { CallToolResult } from "@modelcontextprotocol/sdk/types.js";
import * as Cause from "effect/Cause";
import type * as Effect from "effect/Effect";
import * as Exit from "effect/Exit";
import { describe, type KnownError } from "../app/text/messages.ts";
import { type AppServices, isKnown, runApp, type RunOptions } from "../app/runtime.ts";

/** What the server was started with; every call resolves its own config from these. */
export interface ServerContext {
  /** The directory whose config applies when a call names none (the server's cwd). */
  readonly cwd: string;
  /** `mcp --config FILE`: used for every call instead of searching. */
  readonly configFile: string | undefined;
}

/** The config a call runs with: found from the call's `cwd`, relative to the server's. */
export const callScope = (context: ServerContext, cwd?: string): RunOptions => ({
  cwd: cwd === undefined ? context.cwd : resolve(context.cwd, cwd),
  configFile: context.configFile,
});

export const toolResult = (text: string, structured: Record<string, unknown>): CallToolResult => ({
  content: [{ type: "text", text }],
  structuredContent: structured,
});

/** A failed call: the same message the CLI prints, returned to the client instead of thrown. */
export const toolError = (message: string, structured?: Record<string, unknown>): CallToolResult => ({
  content: [{ type: "text", text: message }],
  ...(structured ? { structuredContent: structured } : {}),
  isError: true,
});

/**
 * Runs one call's program exactly as the CLI runs a command's (fresh settings, layer and
 * process-table reading per call: nothing carried between calls), and turns the outcome
 * into a tool result. No failure escapes as an exception: it becomes a tool error.
 */
export const runTool = async <A>(
  scope: RunOptions,
  program: Effect.Effect<A, KnownError, AppServices>,
  present: (value: A) => CallToolResult,
): Promise<CallToolResult> => {
  const exit = await runApp({ ...scope, reparentJobs: true }, program);
  if (Exit.isSuccess(exit)) return present(exit.value);
  const failure = Cause.findErrorOption(exit.cause);
  if (failure._tag === "Some" && isKnown(failure.value)) return toolError(describe(failure.value).message);
  return toolError(`internal error: ${Cause.pretty(exit.cause)}`);
};
