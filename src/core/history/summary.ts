import type { HistoryEvent, TokenUsage } from "./records.ts";

/** Where a thread stands: its last turn decides (a resumed thread has several). */
export type TurnState = "running" | "completed" | "aborted";

/** What a thread's history says about it, read from its events. */
export interface HistorySummary {
  readonly threadId: string | undefined;
  readonly cwd: string | undefined;
  readonly cliVersion: string | undefined;
  readonly source: string | undefined;
  /** The first thing the user asked: not the instructions and context Codex injects. */
  readonly prompt: string | undefined;
  /** undefined when no turn was seen at all. */
  readonly state: TurnState | undefined;
  readonly lastAgentMessage: string | undefined;
  /** The thread's cumulative usage at its last report. */
  readonly tokens: TokenUsage | undefined;
  readonly lastActivityAt: string | undefined;
  readonly turns: number;
  readonly commands: number;
  /** Tool outputs that failed with `ModuleNotFoundError: No module named 'X'`, per module X. */
  readonly missingModules: Readonly<Record<string, number>>;
}

const MISSING_MODULE = /ModuleNotFoundError: No module named '([^'\s]+)'/g;

/** The modules a tool output reports missing; each counts once per output. */
export const missingModulesIn = (output: string): ReadonlyArray<string> =>
  [...new Set(Array.from(output.matchAll(MISSING_MODULE), (m) => m[1] ?? ""))].filter((m) => m !== "");

/**
 * Counts, per module, the tool calls whose output said it is missing. Codex 0.169
 * records each output twice (item_completed and function_call_output): one call counts once.
 */
export const countMissingModules = (events: Iterable<HistoryEvent>): Record<string, number> => {
  const folder = summaryFolder();
  for (const e of events) if (e.kind === "command_output") folder.add(e);
  return { ...folder.result().missingModules };
};

/** An incremental fold: add events in file order, read the summary at any point. */
export interface SummaryFolder {
  readonly add: (event: HistoryEvent) => void;
  readonly result: () => HistorySummary;
}

export const summaryFolder = (): SummaryFolder => {
  let s: { -readonly [K in keyof HistorySummary]: HistorySummary[K] } = {
    threadId: undefined, cwd: undefined, cliVersion: undefined, source: undefined, prompt: undefined,
    state: undefined, lastAgentMessage: undefined, tokens: undefined, lastActivityAt: undefined,
    turns: 0, commands: 0, missingModules: {},
  };
  let turnOpenedBy: "turn_started" | "turn_context" | undefined;
  let tokensFromTokenCount = false;
  const missing = new Map<string, number>();
  const seenMissing = new Set<string>();
  let anonymousOutputs = 0;

  const openTurn = (by: "turn_started" | "turn_context") => {
    // Versions that write both open a turn once, whichever comes first.
    if (turnOpenedBy === undefined || (by === "turn_started" && turnOpenedBy === "turn_started")) s.turns++;
    turnOpenedBy = by;
    s.state = "running";
  };

  const add = (e: HistoryEvent) => {
    if (e.at !== undefined) s.lastActivityAt = e.at;
    switch (e.kind) {
      case "session":
        s = { ...s, threadId: e.threadId, cwd: e.cwd, cliVersion: e.cliVersion, source: e.source };
        break;
      case "turn_started": openTurn("turn_started"); break;
      case "turn_context": if (turnOpenedBy === undefined) openTurn("turn_context"); break;
      case "user_message": s.prompt ??= e.text; break;
      case "agent_message": if (e.text !== "") s.lastAgentMessage = e.text; break;
      case "command": s.commands++; break;
      case "command_output": {
        const key = e.callId === "" ? `#${anonymousOutputs++}` : e.callId;
        for (const module of missingModulesIn(e.output)) {
          if (seenMissing.has(`${key}\0${module}`)) continue;
          seenMissing.add(`${key}\0${module}`);
          missing.set(module, (missing.get(module) ?? 0) + 1);
        }
        break;
      }
      case "tokens":
        // token_count is the documented total; 0.169's token_usage_record only stands in without it.
        if (e.via === "token_count" || !tokensFromTokenCount) s.tokens = e.usage;
        if (e.via === "token_count") tokensFromTokenCount = true;
        break;
      case "turn_complete":
        s.state = "completed";
        turnOpenedBy = undefined;
        if (e.lastAgentMessage !== undefined && e.lastAgentMessage !== "") s.lastAgentMessage = e.lastAgentMessage;
        break;
      case "turn_aborted":
        s.state = "aborted";
        turnOpenedBy = undefined;
        break;
      case "context": case "unknown": case "malformed": break;
    }
  };

  return { add, result: () => ({ ...s, missingModules: Object.fromEntries(missing) }) };
};

/** Folds a thread's events, in file order, into its summary. */
export const summarizeEvents = (events: Iterable<HistoryEvent>): HistorySummary => {
  const folder = summaryFolder();
  for (const e of events) folder.add(e);
  return folder.result();
};
