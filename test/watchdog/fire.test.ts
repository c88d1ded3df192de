import { Effect, Layer } from "effect";
import { expect, test } from "vitest";
import type { PolicyConfig } from "../../src/config/policies.ts";
import type { Observation } from "../../src/app/jobs/observe.ts";
import { dueToFire, emptyMemory } from "../../src/core/policy.ts";
import { CodexHistory } from "../../src/services/CodexHistory.ts";
import { fakeWorld, fakeWorldLayer } from "../support/fakeWorld.ts";
import { JobStore } from "../../src/services/JobStore.ts";
import { fire, type FiringCrew } from "../../src/watchdog/fire.ts";
import { makeJournal } from "../../src/watchdog/journal.ts";
import { config, load, subject } from "../hooks/fixtures.ts";

// The load-time check keeps such a policy from running at all (test/real/configCheck.test.ts);
// this is what the watchdog does should one reach a firing anyway.
const policy = (doing: PolicyConfig["do"]): PolicyConfig => ({
  name: "p", match: { tracked: true }, when: { runtimeOver: 1000 }, do: doing, repeat: false,
});

const fireTwice = (p: PolicyConfig) => Effect.runPromise(Effect.gen(function* () {
  const plugins = yield* Effect.promise(() => load([]));
  const memory = emptyMemory();
  const crew: FiringCrew = { journal: makeJournal(() => {}), inflight: new Map() };
  const obs = { byPid: new Map() } as unknown as Observation;
  const s = subject();
  const firing = { subject: s, policy: p, reasons: ["ran 2s"], config: { config, files: [] }, plugins };
  yield* fire(firing, obs, memory, 10_000, crew);
  const dueAgain = [15_000, 10 * 60_000].map((now) => dueToFire(p, s, memory, now));
  const events = yield* (yield* JobStore).listEvents({});
  return { events, dueAgain };
  // what a kill would need: no action here gets as far as one
}).pipe(Effect.provide(Layer.mergeAll(JobStore.layerTest, CodexHistory.layer, fakeWorldLayer(fakeWorld())))));

test("an unknown action is one error event, and the firing is over: never retried", async () => {
  const { events, dueAgain } = await fireTwice(policy(["kil"]));
  const errors = events.filter((e) => e.kind === "error");
  expect(errors.map((e) => e.message)).toEqual([`kil: unknown action "kil": no loaded plugin defines it (available: kill, notify) (not retried: fix the config)`]);
  expect(events.filter((e) => e.kind === "action")).toEqual([]);
  expect(dueAgain).toEqual([false, false]);
});

test("options an action's schema refuses are one error event, and the action is not run or retried", async () => {
  const { events, dueAgain } = await fireTwice(policy([["kill", { grace: "soon" }]]));
  expect(events.filter((e) => e.kind === "error").map((e) => e.message)).toEqual([
    `kill: action "kill" not attempted: grace: expected a duration like "250ms", "5s", "45m", "1h" or "14d", got "soon" (not retried: fix the config)`,
  ]);
  expect(dueAgain).toEqual([false, false]);
});
