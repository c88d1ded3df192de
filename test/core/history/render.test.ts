import { expect, test } from "vitest";
import { parseRecord } from "../../../src/core/history/records.ts";
import { jsonRenderer, renderJsonLine, renderJsonLines, renderText, textRenderer, trimOutput } from "../../../src/core/history/render.ts";
import { ROLLOUTS, line, rolloutEvents } from "./fixtures.ts";

test("shows a 0.169 run once: prompt, command with output and exit code, answer, tokens", () => {
  expect(renderText(rolloutEvents(ROLLOUTS.v169))).toBe([
    "session 01a1fc64-6af5-7082-9263-1c7347954802 in /tmp/exp (codex 0.169.0, exec)",
    "--- turn started 04:36:41",
    "user: hello prompt",
    "$ echo hi; sleep 3",
    "  hi",
    "  [exit 0, 2.8s]",
    "codex: done",
    "--- turn complete in 3.2s",
    "tokens: 20 in (0 cached), 10 out (0 reasoning), 30 total",
  ].join("\n"));
});

test("shows a 0.128 run, with exit codes from the JSON output envelope", () => {
  const text = renderText(rolloutEvents(ROLLOUTS.v128));
  expect(text).toContain("user: run the tests");
  expect(text).toContain("$ python -m pytest -q\n  /usr/bin/python: No module named pytest");
  expect(text).toContain("  [exit 1]");
  expect(text.match(/codex: pytest is not installed/g)).toHaveLength(1);
  expect(text).not.toContain("environment_context");
  expect(text).toContain("tokens: 2100 in (1700 cached), 95 out (64 reasoning), 2195 total");
});

test("shows an aborted turn and the latest tokens after it", () => {
  const text = renderText(rolloutEvents(ROLLOUTS.v150));
  expect(text).toContain("$ make build\n  make: *** No rule to make target 'build'.  Stop.\n  [exit 2, 1.5s]");
  expect(text.endsWith("--- turn aborted (interrupted)\ntokens: 1500 in (400 cached), 60 out (20 reasoning), 1560 total")).toBe(true);
});

test("a run cut off mid-turn still ends with its token counts", () => {
  const events = rolloutEvents(ROLLOUTS.v169).filter((e) => e.kind !== "turn_complete");
  expect(renderText(events).split("\n").at(-1)).toBe("tokens: 20 in (0 cached), 10 out (0 reasoning), 30 total");
});

test("renders events one at a time for a followed file", () => {
  const r = textRenderer();
  expect(r.render(parseRecord(line("response_item", { type: "function_call", name: "apply_patch", arguments: "*** Begin Patch", call_id: "p1" })))).toEqual(["tool apply_patch: *** Begin Patch"]);
  expect(r.render(parseRecord("{\"broken"))).toEqual(["(skipped an unreadable line of 8 characters)"]);
  expect(r.end()).toEqual([]);
});

test("trims long output to its head and tail", () => {
  const output = Array.from({ length: 100 }, (_, i) => `line ${i}`).join("\n");
  const trimmed = trimOutput(output, 10);
  expect(trimmed.split("\n")).toEqual(["line 0", "line 1", "line 2", "line 3", "line 4", "… 90 lines omitted …", "line 95", "line 96", "line 97", "line 98", "line 99"]);
  expect(trimOutput("y".repeat(10_000), 20, 100)).toHaveLength(100 + "\n… 9900 characters omitted …\n".length);
});

test("the JSON form is one normalized event per line, starting with at and kind", () => {
  const lines = renderJsonLines(rolloutEvents(ROLLOUTS.v169)).split("\n");
  // 19 records, less the second record of the prompt and of the answer
  expect(lines).toHaveLength(17);
  const parsed = lines.map((l) => JSON.parse(l) as Record<string, unknown>);
  expect(Object.keys(parsed[0]!).slice(0, 2)).toEqual(["at", "kind"]);
  expect(parsed.map((e) => e["kind"])).toContain("command_output");
  expect(JSON.parse(renderJsonLine(parseRecord("garbage")))).toEqual({ at: null, kind: "malformed", reason: "not a JSON object", length: 7 });
});

test("the JSON form of a 0.169 run has each user and agent message once, though Codex wrote each twice", () => {
  const events = rolloutEvents(ROLLOUTS.v169);
  // the fixture holds both records of each message: a response_item and an event_msg item_completed
  expect(events.filter((e) => e.kind === "user_message")).toHaveLength(2);
  const lines = jsonRenderer()(events).map((l) => JSON.parse(l) as { kind: string; text?: string; via?: string });
  expect(lines.filter((l) => l.kind === "user_message")).toEqual([expect.objectContaining({ text: "hello prompt", via: "response_item" })]);
  expect(lines.filter((l) => l.kind === "agent_message")).toEqual([expect.objectContaining({ text: "done" })]);
  expect(renderJsonLines(events).split("\n").filter((l) => l.includes('"kind":"user_message"'))).toHaveLength(1);
});

test("the JSON form keeps a message said again in a later turn, and the same message fed a piece at a time once", () => {
  const render = jsonRenderer();
  const events = rolloutEvents(ROLLOUTS.v169);
  const pieces = events.flatMap((e) => render([e]));
  expect(pieces.filter((l) => l.includes('"kind":"user_message"'))).toHaveLength(1);
  const again = render(events.filter((e) => e.kind === "turn_started" || e.kind === "user_message"));
  expect(again.filter((l) => l.includes('"kind":"user_message"'))).toHaveLength(1);
});
