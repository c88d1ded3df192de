import { describe, expect, test } from "vitest";
import { matchThread, promptDigest, type ThreadOffer, type ThreadSeeker } from "../../src/core/threadMatch.ts";

const seeker = (id: string, createdAt: number, prompt?: string): ThreadSeeker =>
  ({ id, createdAt, promptDigest: prompt === undefined ? undefined : promptDigest(prompt) });
const offer = (id: string, createdAt: number, title?: string): ThreadOffer =>
  ({ id, createdAt, titleDigest: title === undefined ? undefined : promptDigest(title) });

describe("matchThread", () => {
  // Codex takes about a second to start its thread: job a's thread is nearer in time to job b.
  const a = seeker("a", 0, "first task");
  const b = seeker("b", 1200, "second task");
  const threads = [offer("ta", 800, "first task"), offer("tb", 2000, "second task")];

  test("gives each of two jobs started a second apart in one folder its own thread, not the nearest", () => {
    expect(matchThread(a, [b], threads)?.id).toBe("ta");
    expect(matchThread(b, [a], threads)?.id).toBe("tb");
  });

  test("goes by start order when no prompt is known, whichever job asks first", () => {
    const [x, y] = [seeker("x", 0), seeker("y", 1200)];
    const untitled = [offer("tb", 2000), offer("ta", 800)];
    expect(matchThread(y, [x], untitled)?.id).toBe("tb");
    expect(matchThread(x, [y], untitled)?.id).toBe("ta");
  });

  test("a neighbour whose Codex started no thread does not take the job's thread when prompts differ", () => {
    const failed = seeker("failed", -500, "never ran");
    expect(matchThread(a, [failed], [offer("ta", 800, "first task")])?.id).toBe("ta");
    expect(matchThread(failed, [a], [offer("ta", 800, "first task")])).toBeUndefined();
  });

  test("never a thread that started before the job (beyond the state db's whole-second slack)", () => {
    expect(matchThread(seeker("late", 10_000), [], [offer("early", 7000)])).toBeUndefined();
    expect(matchThread(seeker("late", 10_000), [], [offer("same-second", 9200)])?.id).toBe("same-second");
  });

  test("never a thread titled with another prompt", () => {
    expect(matchThread(seeker("j", 0, "mine"), [], [offer("t", 500, "someone else's")])).toBeUndefined();
  });

  test("a trailing newline in the prompt still matches Codex's title", () => {
    expect(matchThread(seeker("j", 0, "do it\n"), [], [offer("x", 300, "other"), offer("t", 500, "do it")])?.id).toBe("t");
  });
});
