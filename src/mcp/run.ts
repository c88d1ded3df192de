import { resolve } from "node:path";
import type { CallToolResult } from "@modelcontextprotocol/sdk/types.js";
import * as Cause from "effect/Cause";
import type * as Effect from "effect/Effect";
import * as Exit from "effect/Exit";
import type { SkippedConfig } from "../config/load.ts";
import { skippedText } from "../config/trust.ts";
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
export const callScope = (context: ServerContext, cwd?: string, badProjectConfig: RunOptions["badProjectConfig"] = "refuse"): RunOptions => ({
  cwd: cwd === undefined ? context.cwd : resolve(context.cwd, cwd),
  configFile: context.configFile,
  badProjectConfig,
});

export const toolResult = (text: string, structured: Record<string, unknown>): CallToolResult => ({
  content: [{ type: "text", text }],
  structuredContent: structured,
});

/**
 * A read-only call in a folder whose project config does not validate goes on with the global
 * config and says so: a line of text, and `configNotApplied` as `codex_start` has it.
 */
const withWarning = (result: CallToolResult, skipped: SkippedConfig): CallToolResult => ({
  ...result,
  content: [...result.content, { type: "text", text: `warning: ${skippedText(skipped)}; went on with the global config` }],
  ...(result.structuredContent
    ? { structuredContent: { ...result.structuredContent, configNotApplied: { file: skipped.file, reason: skipped.reason, fix: skipped.fix ?? null } } }
    : {}),
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
  let skipped: SkippedConfig | undefined;
  const exit = await runApp({ ...scope, reparentJobs: true, onSkippedConfig: (s) => { skipped = s; } }, program);
  if (Exit.isSuccess(exit)) return scope.badProjectConfig === "warn" && skipped?.error ? withWarning(present(exit.value), skipped) : present(exit.value);
  const failure = Cause.findErrorOption(exit.cause);
  if (failure._tag === "Some" && isKnown(failure.value)) return toolError(describe(failure.value).message);
  return toolError(`internal error: ${Cause.pretty(exit.cause)}`);
};
