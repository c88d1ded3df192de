import { describe, expect, test } from "vitest";
import { parseRecord } from "../../../src/core/history/records.ts";
import { countMissingModules, missingModulesIn, summarizeEvents } from "../../../src/core/history/summary.ts";
import { ROLLOUTS, eventMsg, line, rolloutEvents, rolloutLines } from "./fixtures.ts";

const fold = (lines: ReadonlyArray<string>) => summarizeEvents(lines.map(parseRecord));

test("summarizes a completed 0.169 exec run", () => {
  expect(summarizeEvents(rolloutEvents(ROLLOUTS.v169))).toEqual({
    threadId: "01a1fc64-6af5-7082-9263-1c7347954802",
    cwd: "/tmp/exp",
    cliVersion: "0.169.0",
    source: "exec",
    prompt: "hello prompt",
    state: "completed",
    lastAgentMessage: "done",
    tokens: { input: 20, cached: 0, output: 10, reasoning: 0, total: 30 },
    lastActivityAt: "2026-11-21T04:36:45.050Z",
    turns: 1,
    commands: 1,
    missingModules: {},
  });
});

test("summarizes a 0.128 run from its event_msg records", () => {
  expect(summarizeEvents(rolloutEvents(ROLLOUTS.v128))).toMatchObject({
    cliVersion: "0.128.0",
    prompt: "run the tests",
    state: "completed",
    lastAgentMessage: "pytest is not installed in this environment.",
    tokens: { input: 2100, cached: 1700, output: 95, reasoning: 64, total: 2195 },
    turns: 1,
    commands: 2,
    missingModules: { pytest: 2 },
  });
});

describe("a resumed thread: the last turn decides", () => {
  const v150 = rolloutLines(ROLLOUTS.v150);

  test("aborted when the last turn was aborted, though an earlier one completed", () => {
    expect(fold(v150)).toMatchObject({
      state: "aborted", turns: 2, prompt: "build the app", lastAgentMessage: "There is no build target.",
      tokens: { total: 1560 }, lastActivityAt: "2026-07-14T09:30:09.000Z",
    });
  });

  test("running while the last turn has neither completed nor aborted", () => {
    expect(fold(v150.slice(0, -1))).toMatchObject({ state: "running", turns: 2 });
  });

  test("completed when a later turn completes after an aborted one", () => {
    const resumed = [...v150, eventMsg({ type: "task_started" }), eventMsg({ type: "task_complete", last_agent_message: "built" })];
    expect(fold(resumed)).toMatchObject({ state: "completed", turns: 3, lastAgentMessage: "built" });
  });
});

test("turns are counted once when a version writes both task_started and turn_context", () => {
  const started = eventMsg({ type: "task_started" });
  const context = line("turn_context", { model: "m" });
  expect(fold([started, context, eventMsg({ type: "task_complete" }), started, context])).toMatchObject({ turns: 2, state: "running" });
  expect(fold([context, started, eventMsg({ type: "turn_aborted" })])).toMatchObject({ turns: 1, state: "aborted" });
});

test("without turn records the state is unknown", () => {
  expect(fold([rolloutLines(ROLLOUTS.v169)[0]!]).state).toBeUndefined();
});

test("a killed run has no final state beyond running and keeps its last assistant message", () => {
  const killed = rolloutLines(ROLLOUTS.v169).filter((l) => !l.includes('"task_complete"'));
  expect(fold(killed)).toMatchObject({ state: "running", lastAgentMessage: "done" });
});

test("token_usage_record stands in for token_count only when there is none", () => {
  const record = line("token_usage_record", { thread_token_usage: { input_tokens: 7, output_tokens: 3, total_tokens: 10 } });
  const count = eventMsg({ type: "token_count", info: { total_token_usage: { input_tokens: 5, output_tokens: 1, total_tokens: 6 } } });
  expect(fold([record]).tokens).toMatchObject({ total: 10 });
  expect(fold([count, record]).tokens).toMatchObject({ total: 6 });
});

describe("missing Python modules", () => {
  test("finds each module an output reports missing, dotted names included", () => {
    expect(missingModulesIn("ModuleNotFoundError: No module named 'numpy'\nModuleNotFoundError: No module named 'foo.bar'\nModuleNotFoundError: No module named 'numpy'"))
      .toEqual(["numpy", "foo.bar"]);
    expect(missingModulesIn("ImportError: cannot import name 'x'")).toEqual([]);
  });

  test("counts a tool call once though 0.169 records its output twice", () => {
    const failing = (callId: string) => [
      eventMsg({ type: "item_completed", item: { type: "CommandExecution", id: callId, command: ["python", "x.py"], aggregated_output: "ModuleNotFoundError: No module named 'requests'\n", exit_code: 1 } }),
      line("response_item", { type: "function_call_output", call_id: callId, output: "Process exited with code 1\nOutput:\nModuleNotFoundError: No module named 'requests'\n" }),
    ];
    expect(countMissingModules([...failing("c1"), ...failing("c2"), ...failing("c3")].map(parseRecord))).toEqual({ requests: 3 });
  });
});
