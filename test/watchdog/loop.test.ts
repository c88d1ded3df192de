import { chmodSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Clock, Effect, Layer } from "effect";
import { TestClock } from "effect/testing";
import { afterAll, beforeAll, expect, test } from "vitest";
import type { Job } from "../../src/core/job.ts";
import { CodexHistory } from "../../src/services/CodexHistory.ts";
import { fakeWorld, fakeWorldLayer } from "../support/fakeWorld.ts";
import { JobStore } from "../../src/services/JobStore.ts";
import { Usage } from "../../src/services/Usage.ts";
import { Watchdog, type WatchdogOptions } from "../../src/watchdog/loop.ts";
import { FULL_TICK_AT_LEAST_EVERY_MS } from "../../src/watchdog/quiet.ts";
import { proc } from "../core/fixtures.ts";

// The loop under TestClock: virtual time drives the interval and the job's runtime, and a
// fake process table stands in for the machine. Only I/O completions are awaited for real.

const dir = mkdtempSync(join(tmpdir(), "cs-loop-"));
const calls: string[] = [];
beforeAll(() => {
  chmodSync(dir, 0o700);
  (globalThis as { __loopCalls?: string[] }).__loopCalls = calls;
  writeFileSync(join(dir, "recorder.ts"), `export default { name: "recorder", actions: { record: ({ policy, subject }) => { globalThis.__loopCalls.push(policy.name + ":" + subject.key); return { done: true }; } } };\n`);
  writeFileSync(join(dir, "failing.ts"), `export default { name: "failing", actions: { page: () => { globalThis.__loopCalls.push("page"); return { done: false, message: "no pager configured" }; } } };\n`);
  writeFileSync(join(dir, "config.json"), JSON.stringify({
    watchdog: { interval: "5s" },
    plugins: ["./recorder.ts"],
    policies: [
      { name: "max-runtime", when: { runtimeOver: "1m" }, do: ["record"] },
      { name: "hot", when: { cpuOver: 90, forTicks: 3 }, do: ["record"] },
    ],
  }));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const JOB_ID = "5a1e7c3d-0000-4000-8000-00000000abcd";
const job = (createdAt: number): Job => ({
  id: JOB_ID, name: "nightly", cwd: dir, status: "running", createdAt, endedAt: undefined,
  codexBin: "codex", codexHome: join(dir, "codex-home"), args: [], python: { kind: "none", source: "none" },
  launcher: { pid: 4000, startTime: "4000", bootId: "fake-boot", uid: 1000 },
  native: { pid: 4001, startTime: "4001", bootId: "fake-boot", uid: 1000 },
  threadId: undefined, rolloutPath: undefined, resumedFrom: undefined, exitCode: undefined, killRequestedAt: undefined,
});

/** Yields to the event loop (not the clock) until the watchdog has finished `n` ticks. */
const untilTicks = (n: number) => Effect.gen(function* () {
  const dog = yield* Watchdog;
  while (dog.ticks() < n) yield* Effect.promise(() => new Promise<void>((r) => setImmediate(r)));
});

/** Moves the TestClock on in 5 s ticks, waiting for each; `tick` then awaits one more (after a wake). */
const stepper = () => {
  let ticks = 1;
  return {
    first: untilTicks(ticks),
    step: (seconds: number) => Effect.gen(function* () {
      for (let i = 0; i < seconds / 5; i++) {
        yield* TestClock.adjust("5 seconds");
        yield* untilTicks(++ticks);
      }
    }),
    tick: () => untilTicks(++ticks),
  };
};

/** The job's launcher (4000) and native Codex (4001), as the fake machine holds them. */
const jobWorld = () => {
  const world = fakeWorld();
  world.processes.set(4000, proc(4000, ["node", "/x/bin/codex.js", "exec", "-"], { uid: 1000, startTime: "4000" }));
  world.processes.set(4001, proc(4001, ["/x/vendor/codex", "exec", "-"], { uid: 1000, startTime: "4001", ppid: 4000, name: "codex" }));
  return world;
};

/**
 * A watchdog on `options` over the fake machine, with the job recorded (plus `fields`) at the
 * TestClock's start; runs `body` while it runs and returns the job's events.
 */
const withJobWatchdog = <E>(
  world: ReturnType<typeof fakeWorld>,
  options: WatchdogOptions,
  fields: Partial<Job>,
  body: Effect.Effect<void, E, Watchdog | JobStore>,
  /** In place of the fake machine's CPU shares (which the test sets): the real ones, worked out from its CPU times. */
  usage?: Layer.Layer<Usage>,
) => Effect.runPromise(Effect.gen(function* () {
  const store = yield* JobStore;
  const now = Date.now();
  yield* TestClock.setTime(now);
  yield* store.insert({ ...job(now), ...fields });
  yield* Effect.scoped(body.pipe(Effect.provide(Watchdog.layer(options))));
  return yield* store.listEvents({ jobId: JOB_ID });
}).pipe(Effect.provide(Layer.mergeAll(fakeWorldLayer(world), ...(usage ? [usage] : []), JobStore.layerTest, CodexHistory.layer, TestClock.layer()))));

test("under TestClock the loop ticks on its interval, fires max-runtime once past the job's runtime, and cpuOver only after forTicks", async () => {
  const world = jobWorld();
  const events = await withJobWatchdog(world, { explicitFile: join(dir, "config.json"), cwd: dir }, {}, Effect.gen(function* () {
    const { first, step } = stepper();
    yield* first;
    yield* step(50);
    expect(calls).toEqual([]);
    world.cpu.set(4001, 150);
    yield* step(10); // two hot ticks: not yet
    expect(calls).toEqual([]);
    yield* step(5); // 65s: over a minute, and the third hot tick
    expect(calls.sort()).toEqual([`hot:${JOB_ID}`, `max-runtime:${JOB_ID}`]);
    yield* step(60);
    expect(calls).toHaveLength(2); // once per job and policy
  }));
  expect(events.filter((e) => e.kind === "fired").map((e) => e.policy).sort()).toEqual(["hot", "max-runtime"]);
  expect(events.find((e) => e.policy === "max-runtime" && e.kind === "decision")?.message).toMatch(/ran 1m 05s \(over 1m 00s\)/);
  expect(world.signals).toEqual([]);
});

test("a failing tick is recorded as an event and the loop goes on", async () => {
  const world = fakeWorld();
  world.snapshotFailures = 2;
  const events = await Effect.runPromise(Effect.scoped(Effect.gen(function* () {
    yield* untilTicks(1);
    for (let n = 2; n <= 4; n++) {
      yield* TestClock.adjust("5 seconds");
      yield* untilTicks(n);
    }
    return yield* (yield* JobStore).listEvents({});
  }).pipe(Effect.provide(Watchdog.layer({ explicitFile: join(dir, "config.json"), cwd: dir })))).pipe(
    Effect.provide(Layer.mergeAll(fakeWorldLayer(world), JobStore.layerTest, CodexHistory.layer, TestClock.layer())),
  ));
  const errors = events.filter((e) => e.kind === "tick-error");
  expect(errors).toHaveLength(2);
  expect(errors[0]!.message).toContain("fake /proc unreadable");
  expect(world.snapshotFailures).toBe(0);
});

test("what the process table could not read is told once, as an `unchecked` event and on stderr, however many ticks follow; a new gap is told too", async () => {
  const world = jobWorld();
  const said: string[] = [];
  const firstWords = (text: string) => text.split(":")[0]!;
  let unchecked: string[] = [];
  await withJobWatchdog(world, { explicitFile: join(dir, "config.json"), cwd: dir, say: (line) => said.push(line) }, {}, Effect.gen(function* () {
    const { first, step } = stepper();
    yield* first;
    world.gaps.push("open files and working directories (lsof not found)");
    yield* step(20);
    world.gaps.push("environments (`ps` with the environment failed)");
    yield* step(20);
    unchecked = (yield* (yield* JobStore).listEvents({})).filter((e) => e.kind === "unchecked").map((e) => firstWords(e.message));
  }));
  const expected = ["could not check open files and working directories (lsof not found)", "could not check environments (`ps` with the environment failed)"];
  expect(unchecked).toEqual(expected);
  expect(said.filter((l) => l.startsWith("could not check")).map(firstWords)).toEqual(expected);
});

test("quiet ticks: with nothing changed only the first tick is full, yet policies coming due, CPU over forTicks, new processes that matter, a config edit and a wake are all seen", async () => {
  calls.length = 0;
  const world = jobWorld();
  const config = join(dir, "quiet.json");
  const policies = [
    { name: "max-runtime", when: { runtimeOver: "1m" }, do: ["record"] },
    { name: "hot", when: { cpuOver: 90, forTicks: 3 }, do: ["record"] },
  ];
  writeFileSync(config, JSON.stringify({ watchdog: { interval: "5s" }, plugins: ["./recorder.ts"], policies }));
  let released = 0;
  const releaseMemory = () => { released++; return 7; };
  // a known rollout is what lets a young job settle: its thread can no longer appear later
  const events = await withJobWatchdog(world, { explicitFile: config, cwd: dir, releaseMemory }, { rolloutPath: join(dir, "codex-home", "rollout.jsonl") }, Effect.gen(function* () {
    const dog = yield* Watchdog;
    const { first, step, tick } = stepper();
    yield* first;
    expect(released).toBe(1); // memory let go of after the first look
    yield* step(20);
    expect([dog.ticks(), dog.fullTicks()]).toEqual([5, 1]);
    world.cpu.set(4001, 150);
    yield* step(10); // two hot quiet ticks: counted, not yet due
    expect([calls, dog.fullTicks()]).toEqual([[], 1]);
    yield* step(5); // the third: the quiet tick hands over to a full one, which fires
    expect([calls, dog.fullTicks()]).toEqual([[`hot:${JOB_ID}`], 2]);
    yield* step(25); // 60s: not over a minute yet; "hot" still holds but has fired
    expect([calls.length, dog.fullTicks()]).toEqual([1, 2]);
    yield* step(5); // 65s: max-runtime comes due with nothing else changed
    expect([calls.slice(1), dog.fullTicks()]).toEqual([[`max-runtime:${JOB_ID}`], 3]);
    yield* step(10);
    expect(dog.fullTicks()).toBe(3);

    world.processes.set(5000, proc(5000, ["vim", "notes.md"], { uid: 1000, startTime: "5000", ppid: 77 }));
    yield* step(10); // a process that is neither Codex nor in a tree: still quiet
    expect(dog.fullTicks()).toBe(3);
    world.processes.set(4002, proc(4002, ["sleep", "600"], { uid: 1000, startTime: "4002", ppid: 4001 }));
    yield* step(10); // a new child of the job's native: one full tick, then quiet again
    expect(dog.fullTicks()).toBe(4);
    world.processes.set(5001, proc(5001, ["/opt/bin/codex", "mcp-server"], { uid: 1000, startTime: "5001", ppid: 77, name: "codex" }));
    yield* step(10); // a Codex program the supervisor did not start: likewise
    expect(dog.fullTicks()).toBe(5);
    writeFileSync(config, JSON.stringify({ watchdog: { interval: "5s" }, plugins: ["./recorder.ts"], policies: [...policies, { name: "late", when: { runtimeOver: "1h" }, do: ["record"] }] }));
    yield* step(10); // a config edit: likewise
    expect(dog.fullTicks()).toBe(6);
    dog.wake(); // SIGHUP: a full look at once, without waiting for the interval
    yield* tick();
    expect(dog.fullTicks()).toBe(7);
    yield* step(5);
    expect(dog.fullTicks()).toBe(7);
    expect(released).toBe(1); // six more full ticks, none 10 minutes after the first
    yield* step(FULL_TICK_AT_LEAST_EVERY_MS / 1000); // nothing changes for 10 minutes: one full look all the same
    expect(dog.fullTicks()).toBe(8);
    expect(released).toBe(2); // and with it, memory let go of again
  }));
  expect(events.filter((e) => e.kind === "fired").map((e) => e.policy)).toEqual(["hot", "max-runtime"]);
  expect(calls).toHaveLength(2);
});

// Usage works shares out from the samples it is handed, on every backend: the world's made-up processes serve.
test("each quiet tick records its CPU sample: a share is over the last interval, not since the last full look", async () => {
  const world = jobWorld();
  const config = join(dir, "burst.json");
  writeFileSync(config, JSON.stringify({ watchdog: { interval: "5s" }, plugins: ["./recorder.ts"], policies: [{ name: "burst", when: { cpuOver: 40, forTicks: 2 }, do: ["record"] }] }));
  const native = () => world.processes.get(4001)!;
  const used = (cpuTimeMs: number) => world.processes.set(4001, { ...native(), cpuTimeMs });
  await withJobWatchdog(world, { explicitFile: config, cwd: dir }, { rolloutPath: join(dir, "codex-home", "rollout.jsonl") }, Effect.gen(function* () {
    const dog = yield* Watchdog;
    const { first, step } = stepper();
    yield* first;
    yield* step(5);
    used(10_000); // two cores for one interval: 200 %
    yield* step(5);
    yield* step(5); // nothing since: 0 % (10 s over the 15 s since the full look would be 67 %, a second tick over 40)
    expect(dog.fullTicks()).toBe(1); // the policy never held: every tick since the first stayed quiet
    used(20_000);
    yield* step(5);
    used(30_000);
    yield* step(5); // two busy intervals in a row: the policy holds, and the quiet tick hands over to a full one
    expect(dog.fullTicks()).toBe(2);
  }), Usage.layer);
});

test("an action that is never done is tried on the next tick, then less and less often, and the ticks between stay quiet", async () => {
  calls.length = 0;
  const world = jobWorld();
  const config = join(dir, "failing.json");
  writeFileSync(config, JSON.stringify({ watchdog: { interval: "5s" }, plugins: ["./failing.ts"], policies: [{ name: "max-runtime", when: { runtimeOver: "1m" }, do: ["page"] }] }));
  const events = await withJobWatchdog(world, { explicitFile: config, cwd: dir }, { rolloutPath: join(dir, "codex-home", "rollout.jsonl") }, Effect.gen(function* () {
    const dog = yield* Watchdog;
    const { first, step } = stepper();
    yield* first;
    yield* step(60);
    expect(calls).toEqual([]);
    // [seconds to move on, tries so far]: the first retry on the next tick, then after 10 s, 20 s, 40 s
    const seen: Array<[number, number]> = [];
    for (const seconds of [5, 5, 5, 5, 15, 5, 35, 5]) {
      yield* step(seconds);
      seen.push([seconds, calls.length]);
    }
    expect(seen).toEqual([[5, 1], [5, 2], [5, 2], [5, 3], [15, 3], [5, 4], [35, 4], [5, 5]]);
    expect(dog.fullTicks()).toBe(6); // the first look and the five tries: every tick between was quiet
  }));
  expect(events.filter((e) => e.kind === "fired")).toEqual([]);
  expect(events.filter((e) => e.kind === "action").map((e) => e.message)).toEqual([
    "page: no pager configured (attempt 1; next try on the next tick)",
    "page: no pager configured (attempt 2; next try in 10s)",
    "page: no pager configured (attempt 3; next try in 20s)",
    "page: no pager configured (attempt 4; next try in 40s)",
    "page: no pager configured (attempt 5; next try in 1m 20s)",
  ]);
});

test("an ended policy waits, while a kill's request is recent, for that kill's event to say who killed the job; a kill that never records one is told after the wait", async () => {
  calls.length = 0;
  writeFileSync(join(dir, "endRecorder.ts"), `export default { name: "endRecorder", actions: { tell: ({ policy, subject }) => { globalThis.__loopCalls.push(policy.name + ":" + subject.key.slice(0, 4) + ":" + (subject.end?.killedBy ?? "nobody recorded")); return { done: true }; } } };\n`);
  const config = join(dir, "ended.json");
  writeFileSync(config, JSON.stringify({ watchdog: { interval: "5s" }, plugins: ["./endRecorder.ts"], policies: [{ name: "job-ended", when: { ended: true }, do: ["tell"] }] }));
  const UNRECORDED = "7b2f0000-0000-4000-8000-00000000abcd";
  // the tree is gone and the job marked killed (a look saw it) before the kill command recorded its event
  await withJobWatchdog(fakeWorld(), { explicitFile: config, cwd: dir }, { status: "killed", endedAt: Date.now(), killRequestedAt: Date.now() }, Effect.gen(function* () {
    const store = yield* JobStore;
    const now = yield* Clock.currentTimeMillis;
    yield* store.insert({ ...job(now), id: UNRECORDED, status: "killed", endedAt: now, killRequestedAt: now });
    const { first, step } = stepper();
    yield* first;
    expect(calls).toEqual([]);
    yield* step(5);
    expect(calls).toEqual([]);
    yield* store.appendEvent({ jobId: JOB_ID, kind: "kill", action: "kill", message: "kill command: killed, 2 process(es)" });
    yield* step(5);
    expect(calls).toEqual([`job-ended:5a1e:kill command`]);
    yield* step(5); // 15 s after the request: the other job's kill recorded nothing, and is told of as such
    expect(calls).toEqual([`job-ended:5a1e:kill command`, `job-ended:7b2f:nobody recorded`]);
    yield* step(20);
    expect(calls).toHaveLength(2);
  }));
});
