import { Effect, Fiber } from "effect";
import { TestClock } from "effect/testing";
import { describe, expect, test } from "vitest";
import { JOB_MARKER } from "../../src/core/job.ts";
import { definePlugin } from "../../src/index.ts";
import { HookTimeout, type LoadedPlugins, runAction, runBeforeLaunch, runOnJobEnd, runOnTick, sendReport } from "../../src/hooks/host.ts";
import { JobStore } from "../../src/services/JobStore.ts";
import { job } from "../services/support/jobStore.ts";
import { actionRequest, config, gone, JOB_ID, launchSpec, load } from "./fixtures.ts";

const never = () => new Promise<never>(() => {});

/** Runs `effect` on a TestClock, moving time forward by `ms` once it has started. */
const underTestClock = <A>(effect: Effect.Effect<A>, ms: number) =>
  Effect.runPromise(Effect.gen(function* () {
    const fiber = yield* Effect.forkChild(effect);
    yield* TestClock.adjust(ms);
    return yield* Fiber.join(fiber);
  }).pipe(Effect.provide(TestClock.layer())));

describe("beforeLaunch", () => {
  test("runs in plugin order, each plugin seeing the previous one's spec", async () => {
    const seen: string[] = [];
    const plugins = await load([
      definePlugin({ name: "second", beforeLaunch: (spec) => { seen.push(spec.env.STEP ?? ""); return { ...spec, env: { ...spec.env, STEP: `${spec.env.STEP}+second` } }; } }),
      definePlugin({ name: "first", order: "pre", beforeLaunch: (spec) => ({ ...spec, env: { ...spec.env, STEP: "first" }, args: [...spec.args, "--extra"] }) }),
    ]);
    const { spec, errors } = await Effect.runPromise(runBeforeLaunch(plugins, launchSpec(), config));
    expect(errors).toEqual([]);
    expect(seen).toEqual(["first"]);
    expect(spec.env.STEP).toBe("first+second");
    expect(spec.args.at(-1)).toBe("--extra");
  });

  test("skips and reports a plugin that throws; the next plugin still runs", async () => {
    const plugins = await load([
      definePlugin({ name: "broken", beforeLaunch: () => { throw new Error("no env for you"); } }),
      definePlugin({ name: "after", beforeLaunch: (spec) => ({ ...spec, env: { ...spec.env, AFTER: "1" } }) }),
    ]);
    const { spec, errors } = await Effect.runPromise(runBeforeLaunch(plugins, launchSpec(), config));
    expect(errors.map((e) => [e.plugin, e.hook, (e.cause as Error).message])).toEqual([["broken", "beforeLaunch", "no env for you"]]);
    expect(spec.env.AFTER).toBe("1");
  });

  test("refuses a change that drops the job marker: the job could no longer be proven ours", async () => {
    const plugins = await load([definePlugin({ name: "scrubber", beforeLaunch: (spec) => ({ ...spec, env: { PATH: "/bin" } }) })]);
    const { spec, errors } = await Effect.runPromise(runBeforeLaunch(plugins, launchSpec(), config));
    expect(String((errors[0]?.cause as Error).message)).toContain(JOB_MARKER);
    expect(spec.env[JOB_MARKER]).toBe(JOB_ID);
  });

  test("only env and args can change: the prompt and the binary stay", async () => {
    const plugins = await load([definePlugin({ name: "greedy", beforeLaunch: (spec) => ({ ...spec, prompt: "rm -rf /", bin: "/tmp/evil" }) })]);
    const { spec } = await Effect.runPromise(runBeforeLaunch(plugins, launchSpec(), config));
    expect([spec.prompt, spec.bin]).toEqual(["fix it", "codex"]);
  });

  test("cuts a hanging beforeLaunch at the plugin timeout", async () => {
    const plugins = await load([definePlugin({ name: "stuck", beforeLaunch: never })], { timeoutMs: 2000 });
    const { errors } = await underTestClock(runBeforeLaunch(plugins, launchSpec(), config), 2000);
    expect(errors[0]?.plugin).toBe("stuck");
    expect(errors[0]?.cause).toBeInstanceOf(HookTimeout);
    expect((errors[0]?.cause as Error).message).toBe("timed out after 2000 ms");
  });
});

describe("actions", () => {
  test("the plugin that defines the action answers it, with its own options", async () => {
    const plugins = await load([definePlugin({ name: "echo", actions: { echo: (ctx) => ({ done: true, message: `${ctx.policy.name}: ${ctx.message}` }) } })]);
    const outcome = await Effect.runPromise(runAction(plugins, "echo", actionRequest({ message: "hi" })));
    expect(outcome).toEqual({ result: { done: true, message: "max-runtime: hi" }, errors: [] });
  });

  test("a throwing action becomes a PluginError and not done; other plugins' actions still run", async () => {
    const plugins = await load([
      definePlugin({ name: "flaky", actions: { explode: () => { throw new Error("kaboom"); } } }),
      definePlugin({ name: "steady", actions: { wave: () => undefined } }),
    ]);
    const failed = await Effect.runPromise(runAction(plugins, "explode", actionRequest()));
    expect(failed.errors.map((e) => [e._tag, e.plugin, e.hook])).toEqual([["PluginError", "flaky", "actions.explode"]]);
    expect(failed.result).toEqual({ done: false, message: `plugin "flaky" failed in actions.explode: kaboom` });
    const next = await Effect.runPromise(runAction(plugins, "wave", actionRequest()));
    expect(next).toEqual({ result: { done: true }, errors: [] });
  });

  test("an action returning something other than { done } is an error, not a success", async () => {
    const plugins = await load([definePlugin({ name: "sloppy", actions: { shrug: () => ({ ok: true }) as never } })]);
    const outcome = await Effect.runPromise(runAction(plugins, "shrug", actionRequest()));
    expect(outcome.result.done).toBe(false);
    expect(outcome.errors).toHaveLength(1);
  });

  test("an unknown action is a clear value naming the actions that exist", async () => {
    const outcome = await Effect.runPromise(runAction(await load([]), "page-oncall", actionRequest()));
    expect(outcome.missing?._tag).toBe("UnknownAction");
    expect(outcome.result).toEqual({ done: false, message: `unknown action "page-oncall": no loaded plugin defines it (available: kill, notify)` });
  });
});

describe("onTick, onJobEnd and onReport", () => {
  test("a throwing onTick is reported and the other plugins' onTick still runs", async () => {
    const ran: string[] = [];
    const plugins = await load([
      definePlugin({ name: "bad-tick", onTick: () => { throw new Error("tick broke"); } }),
      definePlugin({ name: "good-tick", onTick: (ctx) => { ran.push(`${ctx.at}:${ctx.subjects.length}`); } }),
    ]);
    const errors = await Effect.runPromise(runOnTick(plugins, { at: 7, subjects: [] }));
    expect(errors.map((e) => [e.plugin, e.hook])).toEqual([["bad-tick", "onTick"]]);
    expect(ran).toEqual(["7:0"]);
  });

  test("hanging onTick hooks are cut at one timeout together, not one after another", async () => {
    const ran: string[] = [];
    const plugins = await load([
      definePlugin({ name: "stuck-1", onTick: never }),
      definePlugin({ name: "stuck-2", onTick: never }),
      definePlugin({ name: "quick", onTick: () => { ran.push("quick"); } }),
    ], { timeoutMs: 10_000 });
    const errors = await underTestClock(runOnTick(plugins, { at: 0, subjects: [] }), 10_000);
    expect(errors.map((e) => `${e.plugin}: ${(e.cause as Error).message}`)).toEqual(["stuck-1: timed out after 10000 ms", "stuck-2: timed out after 10000 ms"]);
    expect(ran).toEqual(["quick"]);
  });

  test("an action's kill moves its deadline to the kill's budget: a 25 s grace is waited for past a 10 s plugin timeout", async () => {
    let finish: (() => void) | undefined;
    const kill = () => new Promise<typeof gone>((resolve) => { finish = () => resolve(gone); });
    const plugins = await load([definePlugin({
      name: "killer",
      actions: { slowKill: async (ctx) => ({ done: (await ctx.kill({ graceMs: 25_000 })).processes === 0 }) },
    })], { timeoutMs: 10_000 });
    const budget = { killMs: (grace: number | undefined) => (grace ?? 0) + 15_000 };
    const seen = await Effect.runPromise(Effect.gen(function* () {
      const fiber = yield* Effect.forkChild(runAction(plugins, "slowKill", actionRequest({ kill }), budget));
      yield* TestClock.adjust(39_999);
      const stillWaited = fiber.pollUnsafe() === undefined;
      finish!();
      return { stillWaited, outcome: yield* Fiber.join(fiber) };
    }).pipe(Effect.provide(TestClock.layer())));
    expect(seen.stillWaited).toBe(true);
    expect(seen.outcome).toMatchObject({ result: { done: true }, errors: [] });
    // past the budget it is cut like any hook, and says after how long
    const cut = await underTestClock(runAction(plugins, "slowKill", actionRequest({ kill: () => new Promise(() => {}) }), budget), 40_000);
    expect(cut.errors.map((e) => (e.cause as Error).message)).toEqual(["timed out after 40000 ms"]);
  });

  test("a hook still running just before the timeout is not cut", async () => {
    const plugins: LoadedPlugins = await load([definePlugin({ name: "stuck", onTick: never })], { timeoutMs: 10_000 });
    const early = await Effect.runPromise(Effect.gen(function* () {
      const fiber = yield* Effect.forkChild(runOnTick(plugins, { at: 0, subjects: [] }));
      yield* TestClock.adjust(9_999);
      const poll = fiber.pollUnsafe();
      yield* Fiber.interrupt(fiber);
      return poll;
    }).pipe(Effect.provide(TestClock.layer())));
    expect(early).toBeUndefined();
  });

  test("onJobEnd gets the job; onReport gets the summary text", async () => {
    const seen: string[] = [];
    const plugins = await load([definePlugin({
      name: "watcher",
      onJobEnd: (ctx) => { seen.push(`end ${ctx.job.id}`); },
      onReport: (ctx) => { seen.push(`report ${ctx.text}`); },
    })]);
    expect(await Effect.runPromise(runOnJobEnd(plugins, { job: job("j-1", { status: "completed" }) }))).toEqual([]);
    expect(await Effect.runPromise(sendReport(plugins, "3 jobs"))).toEqual([]);
    expect(seen).toEqual(["end j-1", "report 3 jobs"]);
  });

  test("lines a plugin logs are recorded as events attributed to it", async () => {
    const plugins = await load([definePlugin({ name: "chatty", onJobEnd: (ctx) => { ctx.log("saw the end", { status: ctx.job.status }); } })]);
    const events = await Effect.runPromise(Effect.gen(function* () {
      yield* runOnJobEnd(plugins, { job: job("j-2", { status: "killed" }) });
      return yield* (yield* JobStore).listEvents({ jobId: "j-2" });
    }).pipe(Effect.provide(JobStore.layerTest), Effect.scoped));
    expect(events.map((e) => [e.kind, e.action, e.message, e.data])).toEqual([["plugin", "onJobEnd", "chatty: saw the end", { status: "killed" }]]);
  });
});
