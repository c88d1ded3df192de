/** One rollout line, normalized across Codex versions (0.128 … 0.169). */
export type HistoryEvent =
  | { readonly kind: "session"; readonly at: At; readonly threadId: string; readonly cwd: string; readonly cliVersion: string | undefined; readonly source: string | undefined; readonly originator: string | undefined }
  | { readonly kind: "turn_started"; readonly at: At; readonly turnId: string | undefined }
  | { readonly kind: "turn_context"; readonly at: At; readonly turnId: string | undefined; readonly model: string | undefined }
  /** Instructions Codex injects (developer messages, `<environment_context>`): not the user's words. */
  | { readonly kind: "context"; readonly at: At; readonly role: string; readonly text: string }
  | { readonly kind: "user_message"; readonly at: At; readonly text: string; readonly via: Via }
  | { readonly kind: "agent_message"; readonly at: At; readonly text: string; readonly via: Via }
  | { readonly kind: "command"; readonly at: At; readonly callId: string; readonly tool: string; readonly command: string }
  | { readonly kind: "command_output"; readonly at: At; readonly callId: string; readonly command: string | undefined; readonly output: string; readonly exitCode: number | undefined; readonly durationMs: number | undefined; readonly via: "item_completed" | "function_call_output" }
  | { readonly kind: "tokens"; readonly at: At; readonly usage: TokenUsage; readonly via: "token_count" | "token_usage_record" }
  | { readonly kind: "turn_complete"; readonly at: At; readonly lastAgentMessage: string | undefined; readonly durationMs: number | undefined }
  | { readonly kind: "turn_aborted"; readonly at: At; readonly reason: string | undefined }
  /** A well-formed record of a type this version does not read: kept, never guessed at. */
  | { readonly kind: "unknown"; readonly at: At; readonly type: string }
  /** Not a JSON object: a torn write, binary garbage, or a line cut short. */
  | { readonly kind: "malformed"; readonly at: At; readonly reason: string; readonly length: number };

type At = string | undefined;
/** Which of Codex's two records a message came from: both exist for the same message in most versions. */
export type Via = "response_item" | "event_msg";
export type HistoryEventKind = HistoryEvent["kind"];

/** Cumulative token counts of a thread, as Codex reports them. */
export interface TokenUsage {
  readonly input: number;
  readonly cached: number;
  readonly output: number;
  readonly reasoning: number;
  readonly total: number;
}

type Json = Record<string, unknown>;
const obj = (v: unknown): Json | undefined => (typeof v === "object" && v !== null && !Array.isArray(v) ? (v as Json) : undefined);
const str = (v: unknown): string | undefined => (typeof v === "string" ? v : undefined);
const num = (v: unknown): number | undefined => (typeof v === "number" && Number.isFinite(v) ? v : undefined);

/** The text parts of a message's content, whatever the part type is called in this version. */
const contentText = (content: unknown): string => {
  if (typeof content === "string") return content;
  if (!Array.isArray(content)) return "";
  return content.map((part) => str(obj(part)?.["text"]) ?? "").filter((t) => t !== "").join("\n");
};

const INJECTED = /^\s*(<([A-Za-z_][\w -]*?)(\s[^>]*)?>[\s\S]*<\/\2>\s*$|# AGENTS\.md instructions)/;
/** Codex wraps what it injects into user turns in one XML-ish element; a person's prompt is not. */
export const isInjectedContext = (text: string): boolean => INJECTED.test(text);

const message = (at: At, role: string, text: string, via: Via): HistoryEvent =>
  role === "assistant" ? { kind: "agent_message", at, text, via }
  : role === "user" && !isInjectedContext(text) ? { kind: "user_message", at, text, via }
  : { kind: "context", at, role, text };

/** A command as a person typed it: `["/bin/bash", "-lc", "ls"]` is `ls`. */
const shellCommand = (cmd: unknown): string | undefined => {
  if (typeof cmd === "string") return cmd;
  if (!Array.isArray(cmd) || !cmd.every((c): c is string => typeof c === "string")) return undefined;
  const [shell, flag, script] = cmd;
  return cmd.length === 3 && /(^|\/)(ba|z)?sh$/.test(shell ?? "") && /^-l?c$/.test(flag ?? "") ? script : cmd.join(" ");
};

/** `exec_command` takes `{cmd}`, the older `shell` tool `{command: [...]}`; other tools show their arguments. */
const commandLine = (args: string | undefined): string => {
  if (args === undefined) return "";
  const parsed = obj(safeParse(args));
  return shellCommand(parsed?.["cmd"] ?? parsed?.["command"]) ?? args;
};

const EXIT_LINE = /^Process exited with code (-?\d+)$/m;
/** Exit code and text of a tool's output: 0.169 writes a text header, older versions a JSON envelope. */
const toolOutput = (raw: unknown): { output: string; exitCode: number | undefined } => {
  const text = typeof raw === "string" ? raw : contentText(obj(raw)?.["content"] ?? raw);
  const envelope = obj(text.startsWith("{") ? safeParse(text) : undefined);
  if (envelope && typeof envelope["output"] === "string") {
    return { output: envelope["output"], exitCode: num(obj(envelope["metadata"])?.["exit_code"]) };
  }
  const code = EXIT_LINE.exec(text)?.[1];
  const body = text.indexOf("\nOutput:\n");
  return { output: body >= 0 ? text.slice(body + 9) : text, exitCode: code === undefined ? undefined : Number(code) };
};

const usage = (u: Json | undefined): TokenUsage | undefined => {
  if (!u) return undefined;
  const input = num(u["input_tokens"]) ?? 0;
  const output = num(u["output_tokens"]) ?? 0;
  return {
    input, output,
    cached: num(u["cached_input_tokens"]) ?? 0,
    reasoning: num(u["reasoning_output_tokens"]) ?? 0,
    total: num(u["total_tokens"]) ?? input + output,
  };
};

const durationMs = (d: unknown): number | undefined => {
  const parts = obj(d);
  const secs = num(parts?.["secs"]);
  return secs === undefined ? num(d) : Math.round(secs * 1000 + (num(parts?.["nanos"]) ?? 0) / 1e6);
};

const safeParse = (text: string): unknown => {
  try { return JSON.parse(text); } catch { return undefined; }
};

const fromItemCompleted = (at: At, item: Json | undefined): HistoryEvent => {
  const type = str(item?.["type"]) ?? "";
  if (item && type === "CommandExecution") {
    return {
      kind: "command_output", at, via: "item_completed",
      callId: str(item["id"]) ?? "",
      command: shellCommand(item["command"]),
      output: str(item["aggregated_output"]) ?? "",
      exitCode: num(item["exit_code"]),
      durationMs: durationMs(item["duration"]),
    };
  }
  if (type === "AgentMessage") return message(at, "assistant", contentText(item?.["content"]), "event_msg");
  if (type === "UserMessage") return message(at, "user", contentText(item?.["content"]), "event_msg");
  return { kind: "unknown", at, type: `event_msg/item_completed/${type}` };
};

const fromEventMsg = (at: At, p: Json): HistoryEvent => {
  const type = str(p["type"]) ?? "";
  switch (type) {
    case "task_started": return { kind: "turn_started", at, turnId: str(p["turn_id"]) };
    case "task_complete": return { kind: "turn_complete", at, lastAgentMessage: str(p["last_agent_message"]), durationMs: num(p["duration_ms"]) };
    case "turn_aborted": return { kind: "turn_aborted", at, reason: str(p["reason"]) };
    case "user_message": return message(at, "user", str(p["message"]) ?? "", "event_msg");
    case "agent_message": return message(at, "assistant", str(p["message"]) ?? "", "event_msg");
    case "item_completed": return fromItemCompleted(at, obj(p["item"]));
    case "token_count": {
      const total = usage(obj(obj(p["info"])?.["total_token_usage"]));
      return total ? { kind: "tokens", at, usage: total, via: "token_count" } : { kind: "unknown", at, type: "event_msg/token_count" };
    }
    default: return { kind: "unknown", at, type: `event_msg/${type}` };
  }
};

const fromResponseItem = (at: At, p: Json): HistoryEvent => {
  const type = str(p["type"]) ?? "";
  switch (type) {
    case "message": return message(at, str(p["role"]) ?? "unknown", contentText(p["content"]), "response_item");
    case "function_call":
    case "custom_tool_call": {
      const tool = str(p["name"]) ?? type;
      return { kind: "command", at, callId: str(p["call_id"]) ?? "", tool, command: commandLine(str(p["arguments"]) ?? str(p["input"])) };
    }
    case "function_call_output":
    case "custom_tool_call_output":
      return { kind: "command_output", at, via: "function_call_output", callId: str(p["call_id"]) ?? "", command: undefined, ...toolOutput(p["output"]), durationMs: undefined };
    default: return { kind: "unknown", at, type: `response_item/${type}` };
  }
};

type SessionEvent = Extract<HistoryEvent, { kind: "session" }>;

/** The session a session_meta payload describes, or why it does not describe one this version can read. */
const sessionMeta = (at: At, p: Json): SessionEvent | string => {
  const threadId = str(p["id"]);
  const cwd = str(p["cwd"]);
  if (threadId === undefined) return "session_meta has no thread id";
  if (cwd === undefined) return "session_meta has no cwd";
  return { kind: "session", at, threadId, cwd, cliVersion: str(p["cli_version"]), source: str(p["source"]), originator: str(p["originator"]) };
};

/**
 * Checks a rollout's first line: the session_meta record every other read relies on.
 * A file that starts any other way is a history format this version does not know.
 */
export const readSessionHeader = (line: string):
  | { readonly ok: true; readonly session: SessionEvent }
  | { readonly ok: false; readonly reason: string; readonly cliVersion: string | undefined } => {
  const record = obj(safeParse(line));
  const payload = obj(record?.["payload"]);
  const cliVersion = str(payload?.["cli_version"]) ?? str(record?.["cli_version"]);
  if (!record) return { ok: false, reason: "first line is not a JSON object", cliVersion };
  if (record["type"] !== "session_meta" || !payload) return { ok: false, reason: "first line is not a session_meta record", cliVersion };
  const meta = sessionMeta(str(record["timestamp"]), payload);
  return typeof meta === "string" ? { ok: false, reason: meta, cliVersion } : { ok: true, session: meta };
};

/** Normalizes one JSONL line. Never throws: what cannot be read becomes "malformed" or "unknown". */
export const parseRecord = (line: string): HistoryEvent => {
  const record = obj(safeParse(line));
  if (!record) return { kind: "malformed", at: undefined, reason: line.trim() === "" ? "empty line" : "not a JSON object", length: line.length };
  const at = str(record["timestamp"]);
  const type = str(record["type"]) ?? "";
  const p = obj(record["payload"]);
  if (!p) return { kind: "unknown", at, type };
  switch (type) {
    case "session_meta": {
      const meta = sessionMeta(at, p);
      return typeof meta === "string" ? { kind: "unknown", at, type } : meta;
    }
    case "turn_context": return { kind: "turn_context", at, turnId: str(p["turn_id"]), model: str(p["model"]) };
    case "event_msg": return fromEventMsg(at, p);
    case "response_item": return fromResponseItem(at, p);
    case "token_usage_record": {
      const total = usage(obj(p["thread_token_usage"]));
      return total ? { kind: "tokens", at, usage: total, via: "token_usage_record" } : { kind: "unknown", at, type };
    }
    default: return { kind: "unknown", at, type };
  }
};
