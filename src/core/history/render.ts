import type { HistoryEvent, TokenUsage } from "./records.ts";

export interface RenderOptions {
  /** Lines of a command's output shown before the middle is elided. */
  readonly maxOutputLines?: number;
  readonly maxOutputChars?: number;
}

/** Keeps the head and tail of long output: errors tend to be at the end, the command's intent at the start. */
export const trimOutput = (text: string, maxLines = 20, maxChars = 2000): string => {
  const lines = text.replace(/\n$/, "").split("\n");
  let kept = lines.length > maxLines
    ? [...lines.slice(0, Math.ceil(maxLines / 2)), `… ${lines.length - maxLines} lines omitted …`, ...lines.slice(-Math.floor(maxLines / 2))].join("\n")
    : lines.join("\n");
  if (kept.length > maxChars) {
    const half = Math.floor(maxChars / 2);
    kept = `${kept.slice(0, half)}\n… ${kept.length - maxChars} characters omitted …\n${kept.slice(-half)}`;
  }
  return kept;
};

const indent = (text: string) => text.split("\n").map((l) => `  ${l}`).join("\n");
const seconds = (ms: number) => `${(ms / 1000).toFixed(1)}s`;
const time = (at: string | undefined) => (at ? at.slice(11, 19) : "--:--:--");

export const formatTokens = (u: TokenUsage): string =>
  `tokens: ${u.input} in (${u.cached} cached), ${u.output} out (${u.reasoning} reasoning), ${u.total} total`;

/**
 * Renders events for a person, one event at a time, so a followed file renders
 * as it grows. Codex records most things twice (a response_item and an event_msg,
 * or item_completed and function_call_output): each is shown once.
 */
export const textRenderer = (options: RenderOptions = {}) => {
  const shownMessages = new Set<string>();
  const shownCommands = new Set<string>();
  const shownOutputs = new Set<string>();
  let tokens: TokenUsage | undefined;
  let tokensShown = true;
  let sawTokenCount = false;

  const tokensLine = (): string[] => {
    if (!tokens || tokensShown) return [];
    tokensShown = true;
    return [formatTokens(tokens)];
  };
  const newTurn = () => {
    shownMessages.clear();
    shownCommands.clear();
    shownOutputs.clear();
  };
  const once = (set: Set<string>, key: string) => (set.has(key) ? false : (set.add(key), true));

  const render = (e: HistoryEvent): string[] => {
    switch (e.kind) {
      case "session":
        return [`session ${e.threadId} in ${e.cwd} (codex ${e.cliVersion ?? "?"}, ${e.source ?? "?"})`];
      case "turn_started":
        newTurn();
        return [`--- turn started ${time(e.at)}`];
      case "user_message":
        return once(shownMessages, `user\0${e.text}`) ? [`user: ${e.text}`] : [];
      case "agent_message":
        return e.text !== "" && once(shownMessages, `agent\0${e.text}`) ? [`codex: ${e.text}`] : [];
      case "command":
        if (!once(shownCommands, e.callId || e.command)) return [];
        return [/^(exec_command|shell|local_shell|container\.exec)$/.test(e.tool) ? `$ ${e.command}` : `tool ${e.tool}: ${e.command}`];
      case "command_output": {
        if (e.callId !== "" && !once(shownOutputs, e.callId)) return [];
        const out: string[] = [];
        if (e.command !== undefined && once(shownCommands, e.callId || e.command)) out.push(`$ ${e.command}`);
        const body = trimOutput(e.output, options.maxOutputLines, options.maxOutputChars);
        if (body !== "") out.push(indent(body));
        const facts = [e.exitCode === undefined ? undefined : `exit ${e.exitCode}`, e.durationMs === undefined ? undefined : seconds(e.durationMs)];
        if (facts.some((f) => f !== undefined)) out.push(`  [${facts.filter((f) => f !== undefined).join(", ")}]`);
        return out;
      }
      case "tokens":
        // token_count is the total Codex documents; the 0.169 record only stands in without it.
        if (e.via === "token_count") sawTokenCount = true;
        else if (sawTokenCount) return [];
        tokens = e.usage;
        tokensShown = false;
        return [];
      case "turn_complete":
        return [`--- turn complete${e.durationMs === undefined ? "" : ` in ${seconds(e.durationMs)}`}`, ...tokensLine()];
      case "turn_aborted":
        return [`--- turn aborted${e.reason === undefined ? "" : ` (${e.reason})`}`, ...tokensLine()];
      case "malformed":
        return [`(skipped an unreadable line of ${e.length} characters)`];
      case "context": case "turn_context": case "unknown":
        return [];
    }
  };

  /** Lines still owed when the events stop mid-turn (the latest token counts). */
  const end = (): string[] => tokensLine();
  return { render, end };
};

/** The whole text of a list of events, e.g. a tail. */
export const renderText = (events: Iterable<HistoryEvent>, options: RenderOptions = {}): string => {
  const r = textRenderer(options);
  const lines: string[] = [];
  for (const e of events) lines.push(...r.render(e));
  lines.push(...r.end());
  return lines.join("\n");
};

/**
 * Says whether a message is seen for the first time in its turn. Codex writes each user and agent
 * message twice: a `response_item` message (what the model saw) and an `event_msg` (0.128's
 * `user_message`/`agent_message`, 0.150 and later's `item_completed`). Both normalize to the same
 * event with a different `via`; the first of the pair stands for the message.
 */
export const firstMessages = () => {
  const seen = new Set<string>();
  return (e: HistoryEvent): boolean => {
    if (e.kind === "turn_started") seen.clear();
    if (e.kind !== "user_message" && e.kind !== "agent_message") return true;
    const key = `${e.kind}\0${e.text}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  };
};

/** The machine form of one event, `{ at, kind, ... }`, whatever came before it. */
export const renderJsonLine = (event: HistoryEvent): string => {
  const { at, ...rest } = event;
  return JSON.stringify({ at: at ?? null, ...rest });
};

/** The machine form, one event per line, each message once (`firstMessages`); fed events in order, e.g. as a file is followed. */
export const jsonRenderer = () => {
  const first = firstMessages();
  return (events: ReadonlyArray<HistoryEvent>): string[] => events.filter(first).map(renderJsonLine);
};

export const renderJsonLines = (events: Iterable<HistoryEvent>): string =>
  jsonRenderer()(Array.from(events)).join("\n");
