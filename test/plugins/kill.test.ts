import { Effect } from "effect";
import { describe, expect, test } from "vitest";
import { runAction } from "../../src/hooks/host.ts";
import type { KillSummary } from "../../src/hooks/types.ts";
import { actionRequest, load } from "../hooks/fixtures.ts";

const summary = (result: KillSummary["result"]): KillSummary => ({ result, processes: 2, survivors: result === "survivors" ? [99] : [], message: `${result}: 2 process(es)` });

/** Runs the kill action against a stand-in for the verified kill, recording the grace it was asked for. */
const kill = async (result: KillSummary["result"], config: Record<string, unknown> = {}, actionOptions: Record<string, unknown> = {}) => {
  const graces: Array<number | undefined> = [];
  const plugins = await load([["kill", config]]);
  const outcome = await Effect.runPromise(runAction(plugins, "kill", actionRequest({
    actionOptions,
    kill: (options) => { graces.push(options?.graceMs); return Promise.resolve(summary(result)); },
  })));
  return { ...outcome, graces };
};

describe("kill action", () => {
  test("is done only when the tree is gone", async () => {
    expect((await kill("killed")).result).toEqual({ done: true, message: "killed: 2 process(es)" });
    expect((await kill("already-gone")).result.done).toBe(true);
    expect((await kill("survivors")).result).toEqual({ done: false, message: "survivors: 2 process(es)" });
    expect((await kill("refused")).result.done).toBe(false);
  });

  test("uses the plugin's grace, 5s unless configured, and a policy's own grace over it", async () => {
    expect((await kill("killed")).graces).toEqual([5000]);
    expect((await kill("killed", { grace: "2s" })).graces).toEqual([2000]);
    expect((await kill("killed", { grace: "2s" }, { grace: "250ms" })).graces).toEqual([250]);
  });

  test("a policy grace it cannot read kills nothing, says why, and is not retried", async () => {
    const outcome = await kill("killed", {}, { grace: "soon" });
    expect(outcome.graces).toEqual([]);
    expect(outcome.permanent).toBe(true);
    expect(outcome.result).toEqual({ done: false, message: `action "kill" not attempted: grace: expected a duration like "250ms", "5s", "45m", "1h" or "14d", got "soon"` });
    expect((await kill("killed", {}, { grase: "1s" })).result.message).toBe(`action "kill" not attempted: grase: unknown key (did you mean "grace"?)`);
  });

  test("a policy grace without bounds or without a unit kills nothing and says what a grace may be", async () => {
    const endless = await kill("killed", {}, { grace: "99999999999999999999d" });
    expect(endless.graces).toEqual([]);
    expect(endless.result).toEqual({ done: false, message: `action "kill" not attempted: grace: expected a duration from 0s to 10m, got "99999999999999999999d"` });
    expect((await kill("killed", {}, { grace: "5" })).result.message).toBe(`action "kill" not attempted: grace: "5" has no unit: a duration needs one, e.g. "5s" (ms, s, m, h, d or w)`);
  });
});
