import { Effect, Exit, Fiber, Layer, Stream } from "effect";
import { TestClock } from "effect/testing";
import { appendFileSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, test } from "vitest";
import type { HistoryEvent } from "../../src/core/history/records.ts";
import { CodexHistory, type FollowedEvent } from "../../src/services/CodexHistory.ts";
import { ROLLOUTS, eventMsg, line, rolloutLines } from "../core/history/fixtures.ts";

const run = <A, E>(effect: Effect.Effect<A, E, CodexHistory>) => Effect.runPromise(effect.pipe(Effect.provide(CodexHistory.layer)));
const runExit = <A, E>(effect: Effect.Effect<A, E, CodexHistory>) => Effect.runPromiseExit(effect.pipe(Effect.provide(CodexHistory.layer)));
const history = <A, E>(f: (h: CodexHistory["Service"]) => Effect.Effect<A, E>) =>
  Effect.gen(function* () {
    return yield* f(yield* CodexHistory);
  });
const failure = async <A, E>(effect: Effect.Effect<A, E, CodexHistory>) => {
  const exit = await runExit(effect);
  if (Exit.isSuccess(exit)) throw new Error("expected a failure");
  return exit.cause.reasons.find((r) => r._tag === "Fail")?.error;
};

const dir = mkdtempSync(join(tmpdir(), "codex-history-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const write = (name: string, text: string) => {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
};

const v169 = rolloutLines(ROLLOUTS.v169);
/** One whole turn of the 0.169 fixture: task_started … task_complete. */
const turn = v169.slice(1);

describe("reading whole files", () => {
  test("summarizes the 0.169 fixture", async () => {
    expect(await run(history((h) => h.summarize(ROLLOUTS.v169)))).toMatchObject({
      threadId: "01a1fc64-6af5-7082-9263-1c7347954802", prompt: "hello prompt", state: "completed",
      lastAgentMessage: "done", tokens: { total: 30 }, turns: 1, wholeFile: true,
    });
  });

  test("readAll streams every line as an event", async () => {
    const events = await run(history((h) => Stream.runCollect(h.readAll(ROLLOUTS.v150))));
    expect(events).toHaveLength(rolloutLines(ROLLOUTS.v150).length);
    expect(events[0]?.kind).toBe("session");
  });

  test("readAll marks a last line cut short instead of failing", async () => {
    const path = write("cut.jsonl", `${v169.slice(0, 3).join("\n")}\n${v169[3]!.slice(0, 100)}`);
    const events = await run(history((h) => Stream.runCollect(h.readAll(path))));
    expect(events.at(-1)).toMatchObject({ kind: "malformed", reason: "incomplete last line", length: 100 });
  });
});

describe("formats this version does not know", () => {
  test("an unknown future shape is UnsupportedHistory, for every read", async () => {
    const expected = { _tag: "UnsupportedHistory", cliVersion: "1.4.0", reason: "unsupported Codex history format: first line is not a session_meta record" };
    expect(await failure(history((h) => h.summarize(ROLLOUTS.future)))).toMatchObject(expected);
    expect(await failure(history((h) => h.tail(ROLLOUTS.future, 5)))).toMatchObject(expected);
    expect(await failure(history((h) => Stream.runCollect(h.readAll(ROLLOUTS.future))))).toMatchObject(expected);
  });

  test("a session_meta followed only by records no known Codex writes is UnsupportedHistory, not an empty history", async () => {
    const expected = {
      _tag: "UnsupportedHistory", cliVersion: "1.4.0",
      reason: "unsupported Codex history format: no record after session_meta is one this version reads (found turn_record, conversation_item, event_msg/turn_finished)",
    };
    expect(await failure(history((h) => h.summarize(ROLLOUTS.futureRecords)))).toMatchObject(expected);
    expect(await failure(history((h) => h.tail(ROLLOUTS.futureRecords, 5)))).toMatchObject(expected);
    expect(await failure(history((h) => Stream.runCollect(h.readAll(ROLLOUTS.futureRecords))))).toMatchObject(expected);
    // a thread Codex has only just opened (session_meta alone) is not a format problem
    const fresh = write("fresh.jsonl", `${v169[0]!}\n`);
    expect(await run(history((h) => h.summarize(fresh)))).toMatchObject({ state: undefined, turns: 0 });
  });

  test("a file that vanished or holds no complete line yet is a HistoryError", async () => {
    expect(await failure(history((h) => h.summarize(join(dir, "nope.jsonl"))))).toMatchObject({ _tag: "HistoryError", reason: "rollout file not found" });
    expect(await failure(history((h) => h.tail(write("empty.jsonl", ""), 3)))).toMatchObject({ _tag: "HistoryError", reason: "rollout is empty" });
    expect(await failure(history((h) => h.summarize(write("half.jsonl", v169[0]!.slice(0, 500)))))).toMatchObject({ _tag: "HistoryError" });
  });
});

describe("tail", () => {
  test("returns the last n events and leaves out a last line still being written", async () => {
    const path = write("growing.jsonl", `${v169.join("\n")}\n${v169[5]!.slice(0, 40)}`);
    const tail = await run(history((h) => h.tail(path, 3)));
    expect(tail.events.map((e) => e.kind)).toEqual(["tokens", "tokens", "turn_complete"]);
    expect(tail.endOffset).toBe(Buffer.byteLength(`${v169.join("\n")}\n`));
  });

  test("counts only the events kept", async () => {
    const tail = await run(history((h) => h.tail(ROLLOUTS.v169, 2, { keep: (e) => e.kind === "user_message" || e.kind === "command" })));
    expect(tail.events.map((e) => e.kind)).toEqual(["user_message", "command"]);
  });
});

describe("a 50 MB rollout", () => {
  // Turns of ~2 KB, a 10 MB line and some garbage in the middle, a final distinct turn, a torn last line.
  const header = v169[0]!;
  const filler = `${turn.join("\n")}\n`.repeat(Math.ceil((20 * 1024 * 1024) / (turn.join("\n").length + 1)));
  const huge = line("response_item", { type: "function_call_output", call_id: "big", output: `Output:\n${"z".repeat(10 * 1024 * 1024)}` });
  const last = [
    eventMsg({ type: "task_started" }),
    line("response_item", { type: "message", role: "user", content: [{ type: "input_text", text: "and now?" }] }),
    eventMsg({ type: "token_count", info: { total_token_usage: { input_tokens: 999, output_tokens: 1, total_tokens: 1000 } } }),
    line("response_item", { type: "message", role: "assistant", content: [{ type: "output_text", text: "final answer" }] }),
  ];
  const completed = eventMsg({ type: "task_complete", last_agent_message: "final answer" }, "2026-11-22T00:00:00.000Z");
  const body = `${header}\n${filler}${huge}\n\u0000\u0001\u00ff binary\n${filler}${last.join("\n")}\n`;
  const big = write("big.jsonl", `${body}${completed}\n${v169[3]!.slice(0, 200)}`);
  const running = write("big-running.jsonl", body);

  test("tail reads a bounded number of bytes", async () => {
    const tail = await run(history((h) => h.tail(big, 5)));
    expect(tail.events.map((e) => e.kind)).toEqual(["turn_started", "user_message", "tokens", "agent_message", "turn_complete"]);
    expect(tail.bytesRead).toBeLessThan(200 * 1024);
  });

  test("summarize reads the head and the last turn only", async () => {
    const summary = await run(history((h) => h.summarize(big)));
    expect(summary).toMatchObject({
      prompt: "hello prompt", state: "completed", lastAgentMessage: "final answer", tokens: { total: 1000 },
      lastActivityAt: "2026-11-22T00:00:00.000Z", wholeFile: false,
    });
    expect(summary.bytesRead).toBeLessThan(300 * 1024);
  });

  test("summarize sees a last turn still running", async () => {
    const summary = await run(history((h) => h.summarize(running)));
    expect(summary).toMatchObject({ state: "running", lastAgentMessage: "final answer", wholeFile: false });
    expect(summary.bytesRead).toBeLessThan(300 * 1024);
  });

  test("readAll gets through the 10 MB line and the garbage", async () => {
    const kinds = await run(history((h) => h.readAll(big).pipe(
      Stream.filter((e) => e.kind === "malformed" || (e.kind === "command_output" && e.callId === "big")),
      Stream.map((e) => e.kind),
      Stream.runCollect,
    )));
    expect(kinds).toEqual(["command_output", "malformed", "malformed"]);
  });
});

describe("follow", () => {
  /** Lets the follower see the file: the test clock moves, real file reads complete. */
  const until = (done: () => boolean) => Effect.gen(function* () {
    for (let i = 0; i < 500 && !done(); i++) {
      yield* TestClock.adjust("1 second");
      yield* Effect.promise(() => new Promise((r) => setTimeout(r, 2)));
    }
    expect(done()).toBe(true);
  });

  test("emits appended lines, holds a partial line until its newline, and ends when told", async () => {
    const path = write("live.jsonl", `${v169.slice(0, 2).join("\n")}\n`);
    const seen: FollowedEvent[] = [];
    let finished = false;
    const program = Effect.gen(function* () {
      const h = yield* CodexHistory;
      const fiber = yield* h.follow(path, 0, { isDone: Effect.sync(() => finished), pollInterval: "1 second" }).pipe(
        Stream.runForEach((e) => Effect.sync(() => seen.push(e))),
        Effect.forkChild,
      );
      yield* until(() => seen.length === 2);
      const command = v169[9]!;
      appendFileSync(path, command.slice(0, 50));
      yield* TestClock.adjust("3 seconds");
      expect(seen).toHaveLength(2);
      appendFileSync(path, `${command.slice(50)}\n`);
      yield* until(() => seen.length === 3);
      appendFileSync(path, `${v169[18]!}`);
      finished = true;
      yield* until(() => seen.length === 4);
      yield* Fiber.join(fiber);
    });
    await Effect.runPromise(program.pipe(Effect.provide(Layer.merge(CodexHistory.layer, TestClock.layer()))));
    expect(seen.map((e) => e.event.kind)).toEqual(["session", "turn_started", "command", "turn_complete"]);
    expect(seen.at(-1)?.endOffset).toBe(Buffer.byteLength(`${v169.slice(0, 2).join("\n")}\n${v169[9]}\n${v169[18]}`));
  });

  test("resumes from a tail's end offset", async () => {
    const path = write("resume.jsonl", `${v169.join("\n")}\n`);
    const { endOffset } = await run(history((h) => h.tail(path, 1)));
    appendFileSync(path, `${eventMsg({ type: "turn_aborted", reason: "interrupted" })}\n`);
    const events: HistoryEvent[] = await run(history((h) => h.follow(path, endOffset, { isDone: Effect.succeed(true) }).pipe(
      Stream.map((e) => e.event), Stream.runCollect)));
    expect(events).toMatchObject([{ kind: "turn_aborted", reason: "interrupted" }]);
  });

  test("a rollout that shrinks under the follower is a HistoryError", async () => {
    const path = write("shrunk.jsonl", `${v169.join("\n")}\n`);
    const error = await failure(history((h) => Stream.runCollect(h.follow(path, 10_000_000, { isDone: Effect.succeed(true) }))));
    expect(error).toMatchObject({ _tag: "HistoryError" });
  });
});
