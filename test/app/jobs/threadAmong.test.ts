import { expect, test } from "vitest";
import { threadAmong } from "../../../src/app/jobs/list.ts";

const rollout = (id: string) => `/h/.codex/sessions/2026/12/06/rollout-2026-12-06T17-22-56-${id}.jsonl`;
const A = "01a24c61-54d1-7e92-b99a-0471ef90c542";
const B = "01a24c61-8fbd-7ec3-b550-30e3a16aa886";

test("a program's thread is its native's rollout, else the one rollout its helpers hold, never a guess among several", () => {
  expect(threadAmong([[rollout(A)], [rollout(B)]])).toEqual({ threadId: A, rolloutPath: rollout(A) });
  expect(threadAmong([["/h/.codex/state_5.sqlite"], ["/dev/null", rollout(B)], []])).toEqual({ threadId: B, rolloutPath: rollout(B) });
  // a daemon serving two TUIs holds both: which is this TUI's is not known
  expect(threadAmong([[], [rollout(A), rollout(B)]])).toBeUndefined();
  expect(threadAmong([[], []])).toBeUndefined();
  expect(threadAmong([])).toBeUndefined();
});
