import { describe, expect, test } from "vitest";
import { isInjectedContext, parseRecord, readSessionHeader } from "../../../src/core/history/records.ts";
import { ROLLOUTS, eventMsg, line, rolloutEvents, rolloutLines } from "./fixtures.ts";

describe("codex-cli 0.169", () => {
  const events = rolloutEvents(ROLLOUTS.v169);

  test("reads the session from session_meta", () => {
    expect(events[0]).toMatchObject({
      kind: "session", threadId: "01a1fc64-6af5-7082-9263-1c7347954802", cwd: "/tmp/exp",
      cliVersion: "0.169.0", source: "exec", originator: "codex_exec", at: "2026-11-21T04:36:41.865Z",
    });
  });

  test("tells the prompt apart from the developer instructions and environment context Codex injects", () => {
    expect(events.filter((e) => e.kind === "user_message").map((e) => e.text)).toEqual(["hello prompt", "hello prompt"]);
    expect(events.filter((e) => e.kind === "context").map((e) => e.kind === "context" && e.role)).toEqual(["developer", "user"]);
  });

  test("reads the command from exec_command's JSON arguments", () => {
    expect(events.find((e) => e.kind === "command")).toMatchObject({ callId: "c1", tool: "exec_command", command: "echo hi; sleep 3" });
  });

  test("reads exit code, output and duration from item_completed CommandExecution", () => {
    expect(events.find((e) => e.kind === "command_output" && e.via === "item_completed")).toMatchObject({
      callId: "c1", command: "echo hi; sleep 3", output: "hi\n", exitCode: 0, durationMs: 2849,
    });
  });

  test("parses the exit code and output out of function_call_output's text header", () => {
    expect(events.find((e) => e.kind === "command_output" && e.via === "function_call_output")).toMatchObject({
      callId: "c1", output: "hi\n", exitCode: 0,
    });
  });

  test("reads cumulative token usage from token_count and token_usage_record", () => {
    const tokens = events.filter((e) => e.kind === "tokens");
    expect(tokens.map((e) => e.kind === "tokens" && [e.via, e.usage.total])).toEqual([
      ["token_usage_record", 15], ["token_count", 15], ["token_usage_record", 30], ["token_count", 30],
    ]);
    expect(tokens.at(-1)).toMatchObject({ usage: { input: 20, cached: 0, output: 10, reasoning: 0, total: 30 } });
  });

  test("reads turn start and completion", () => {
    expect(events.filter((e) => e.kind.startsWith("turn_")).map((e) => e.kind)).toEqual(["turn_started", "turn_context", "turn_complete"]);
    expect(events.at(-1)).toMatchObject({ kind: "turn_complete", lastAgentMessage: "done", durationMs: 3187 });
  });

  test("keeps records it does not read as unknown, with their type", () => {
    expect(events.filter((e) => e.kind === "unknown").map((e) => e.kind === "unknown" && e.type))
      .toEqual(["world_state", "event_msg/thread_settings_applied"]);
  });
});

describe("older formats", () => {
  test("0.128: event_msg user_message/agent_message and the shell tool's JSON output envelope", () => {
    const events = rolloutEvents(ROLLOUTS.v128);
    expect(events.find((e) => e.kind === "user_message" && e.via === "event_msg")).toMatchObject({ text: "run the tests" });
    expect(events.find((e) => e.kind === "agent_message" && e.via === "event_msg")).toMatchObject({ text: "pytest is not installed in this environment." });
    expect(events.find((e) => e.kind === "command")).toMatchObject({ tool: "shell", command: "python -m pytest -q" });
    expect(events.find((e) => e.kind === "command_output")).toMatchObject({ callId: "call_A", exitCode: 1 });
    expect(events.filter((e) => e.kind === "context")).toHaveLength(2);
  });

  test("0.128: a token_count without info is not a usage report", () => {
    expect(parseRecord(eventMsg({ type: "token_count", info: null }))).toMatchObject({ kind: "unknown", type: "event_msg/token_count" });
  });

  test("0.150: item_completed messages and commands without ordinals", () => {
    const events = rolloutEvents(ROLLOUTS.v150);
    expect(events.find((e) => e.kind === "command_output" && e.via === "item_completed")).toMatchObject({ exitCode: 2, durationMs: 1500, command: "make build" });
    expect(events.find((e) => e.kind === "command_output" && e.via === "function_call_output")).toMatchObject({ exitCode: 2 });
    expect(events.find((e) => e.kind === "turn_aborted")).toMatchObject({ reason: "interrupted" });
  });
});

describe("lines that cannot be read", () => {
  test("a line cut short is malformed, not a crash", () => {
    const full = rolloutLines(ROLLOUTS.v169)[12]!;
    expect(parseRecord(full.slice(0, full.length / 2))).toMatchObject({ kind: "malformed", reason: "not a JSON object" });
  });

  test("binary garbage and empty lines are malformed", () => {
    expect(parseRecord("\u0000\u00ff\u0001garbage\ufffd")).toMatchObject({ kind: "malformed" });
    expect(parseRecord("")).toMatchObject({ kind: "malformed", reason: "empty line" });
    expect(parseRecord("[1,2]")).toMatchObject({ kind: "malformed" });
  });

  test("unknown record and payload types stay unknown", () => {
    expect(parseRecord(line("compacted", { message: "x" }))).toMatchObject({ kind: "unknown", type: "compacted" });
    expect(parseRecord(eventMsg({ type: "exec_approval_request" }))).toMatchObject({ kind: "unknown", type: "event_msg/exec_approval_request" });
    expect(parseRecord(line("response_item", { type: "reasoning" }))).toMatchObject({ kind: "unknown", type: "response_item/reasoning" });
  });

  test("a 10 MB line parses", () => {
    const output = "x".repeat(10 * 1024 * 1024);
    const event = parseRecord(line("response_item", { type: "function_call_output", call_id: "c9", output: `Process exited with code 3\nOutput:\n${output}` }));
    expect(event).toMatchObject({ kind: "command_output", exitCode: 3 });
    expect(event.kind === "command_output" && event.output.length).toBe(output.length);
  });
});

describe("the session header", () => {
  test("accepts a session_meta first line", () => {
    expect(readSessionHeader(rolloutLines(ROLLOUTS.v169)[0]!)).toMatchObject({ ok: true, session: { cliVersion: "0.169.0" } });
  });

  test("refuses a first line in an unknown shape, keeping the cli version it names", () => {
    expect(readSessionHeader(rolloutLines(ROLLOUTS.future)[0]!)).toEqual({ ok: false, reason: "first line is not a session_meta record", cliVersion: "1.4.0" });
  });

  test("refuses a session_meta without the fields everything else relies on", () => {
    expect(readSessionHeader(line("session_meta", { cwd: "/x", cli_version: "0.200.0" }))).toEqual({ ok: false, reason: "session_meta has no thread id", cliVersion: "0.200.0" });
  });
});

test("recognizes what Codex injects into user turns, not a person's prompt", () => {
  expect(isInjectedContext("<environment_context>\n  <cwd>/a</cwd>\n</environment_context>")).toBe(true);
  expect(isInjectedContext("<permissions instructions>\nx\n</permissions instructions>")).toBe(true);
  expect(isInjectedContext("# AGENTS.md instructions for /repo\n\n<INSTRUCTIONS>…</INSTRUCTIONS>")).toBe(true);
  expect(isInjectedContext("fix the <b> tag in index.html")).toBe(false);
  expect(isInjectedContext("run the tests")).toBe(false);
});
