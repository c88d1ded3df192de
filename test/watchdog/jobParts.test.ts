import { chmodSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Effect, Layer } from "effect";
import { TestClock } from "effect/testing";
import { afterAll, beforeAll, expect, test } from "vitest";
import { JOB_MARKER, type Job } from "../../src/core/job.ts";
import { listEverything } from "../../src/app/jobs/list.ts";
import { CodexHistory } from "../../src/services/CodexHistory.ts";
import { fakeWorld, fakeWorldLayer } from "../support/fakeWorld.ts";
import { JobStore } from "../../src/services/JobStore.ts";
import { Watchdog } from "../../src/watchdog/loop.ts";
import { proc } from "../core/fixtures.ts";

// What the watchdog's subjects are made of: a Codex running inside a job (a sub-agent) is
// part of that job, never a subject of its own for policies about untracked Codex; and an
// ended job whose strays live on is a subject, orphaned, for `orphaned` policies to judge.

const dir = mkdtempSync(join(tmpdir(), "cs-jobparts-"));
const calls: string[] = [];
beforeAll(() => {
  chmodSync(dir, 0o700);
  (globalThis as { __jobPartsCalls?: string[] }).__jobPartsCalls = calls;
  writeFileSync(join(dir, "recorder.ts"), `export default { name: "recorder", actions: { record: ({ policy, subject }) => { globalThis.__jobPartsCalls.push(policy.name + ":" + subject.key); return { done: true }; } } };\n`);
  writeFileSync(join(dir, "config.json"), JSON.stringify({
    watchdog: { interval: "5s" },
    plugins: ["./recorder.ts"],
    policies: [
      { name: "strangers", match: { tracked: false }, when: { runtimeOver: "1s" }, do: ["record"] },
      { name: "orphans", when: { orphaned: true }, do: ["record"] },
    ],
  }));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const RUNNING = "5a1e7c3d-0000-4000-8000-0000000000a1";
const ENDED = "5a1e7c3d-0000-4000-8000-0000000000e2";
const THREAD = "019a0000-0000-7000-8000-00000000000e";
const CREATED = 1_800_000_000_000;

const jobOf = (id: string, pid: number, fields: Partial<Job>): Job => ({
  id, name: undefined, cwd: dir, status: "running", createdAt: CREATED, endedAt: undefined,
  codexBin: "codex", codexHome: join(dir, "codex-home"), args: [], python: { kind: "none", source: "none" },
  launcher: { pid, startTime: String(pid), bootId: "fake-boot", uid: 1000 },
  native: { pid: pid + 1, startTime: String(pid + 1), bootId: "fake-boot", uid: 1000 },
  threadId: undefined, rolloutPath: undefined, resumedFrom: undefined, exitCode: undefined, killRequestedAt: undefined,
  ...fields,
});

const after = (ms: number) => ({ startedAt: CREATED + ms });
const codexLauncher = ["node", "/x/bin/codex.js", "exec", "--skip-git-repo-check", "-"];
const codexNative = ["/x/vendor/codex", "exec", "--skip-git-repo-check", "-"];

/**
 * A running job (4000/4001) whose tool (4002) runs a nested `codex exec` (4003/4004); a Codex
 * nobody tracks (5000/5001); and an ended job whose tool left a daemon (6100) reparented to init.
 */
const machine = () => {
  const world = fakeWorld();
  const add = (pid: number, argv: string[], over: Parameters<typeof proc>[2] = {}) =>
    world.processes.set(pid, proc(pid, argv, { uid: 1000, startTime: String(pid), ...over }));
  add(4000, codexLauncher, after(10));
  add(4001, codexNative, { ppid: 4000, name: "codex", ...after(20) });
  add(4002, ["/bin/bash", "-lc", "codex exec 'RUN: sleep 60'"], { ppid: 4001, ...after(30), rssBytes: 1 << 20 });
  add(4003, codexLauncher, { ppid: 4002, ...after(40), rssBytes: 50 << 20 });
  add(4004, codexNative, { ppid: 4003, name: "codex", ...after(50), rssBytes: 70 << 20 });
  add(5000, codexLauncher, after(60));
  add(5001, codexNative, { ppid: 5000, name: "codex", ...after(70) });
  add(6100, ["sleep", "900"], after(80));
  for (const pid of [4002, 4003, 4004]) world.environ.set(pid, new Map([[JOB_MARKER, RUNNING]]));
  world.environ.set(6100, new Map([[JOB_MARKER, ENDED], ["CODEX_THREAD_ID", THREAD]]));
  return world;
};

const run = <A, E>(world: ReturnType<typeof fakeWorld>, body: Effect.Effect<A, E, JobStore | CodexHistory | Layer.Success<ReturnType<typeof fakeWorldLayer>>>) =>
  Effect.runPromise(Effect.gen(function* () {
    const store = yield* JobStore;
    yield* TestClock.setTime(CREATED + 60_000);
    yield* store.insert(jobOf(RUNNING, 4000, {}));
    yield* store.insert(jobOf(ENDED, 6000, { status: "completed", endedAt: CREATED + 5000, threadId: THREAD }));
    return yield* body;
  }).pipe(Effect.provide(Layer.mergeAll(fakeWorldLayer(world), JobStore.layerTest, CodexHistory.layer, TestClock.layer()))));

test("list shows a nested codex exec inside its job, counts its memory once, and an ended job's stray with its pid", async () => {
  const listed = await run(machine(), listEverything({ all: false }));
  const running = listed.jobs.find((j) => j.job.id === RUNNING)!;
  expect(running.pids).toEqual([4000, 4001, 4002, 4003, 4004]);
  expect(running.nested).toEqual([{ pid: 4003, pids: [4003, 4004], kind: "exec", threadId: undefined }]);
  expect(listed.untracked.map((u) => u.pid)).toEqual([5000]);
  // the whole machine's memory of these trees, each process once
  const total = [...listed.jobs, ...listed.untracked].reduce((sum, e) => sum + e.memory, 0);
  expect(total).toBe(1024 * 5 + (1 << 20) + (50 << 20) + (70 << 20));
  const ended = listed.jobs.find((j) => j.job.id === ENDED)!;
  expect(ended.job.status).toBe("completed");
  expect(ended.pids).toEqual([6100]);
  expect(ended.strays).toEqual([6100]);
});

test("a tracked:false policy never sees a nested codex; an orphaned policy judges an ended job's strays", async () => {
  calls.length = 0;
  const events = await run(machine(), Effect.gen(function* () {
    yield* Effect.scoped(Effect.gen(function* () {
      const dog = yield* Watchdog;
      while (dog.ticks() < 1) yield* Effect.promise(() => new Promise<void>((r) => setImmediate(r)));
    }).pipe(Effect.provide(Watchdog.layer({ explicitFile: join(dir, "config.json"), cwd: dir }))));
    return yield* (yield* JobStore).listEvents({});
  }));
  expect(events.filter((e) => e.kind === "tick-error")).toEqual([]);
  expect(calls.sort()).toEqual([`orphans:${ENDED}`, "strangers:pid:5000:5000"]);
});

test("a process with the ended job's marker that is not its stray (started before the job, or another user's) is not shown", async () => {
  const world = machine();
  world.processes.set(6100, { ...world.processes.get(6100)!, startedAt: CREATED - 60_000 });
  world.processes.set(6200, proc(6200, ["sleep", "900"], { uid: 1001, startTime: "6200", ...after(90) }));
  world.environ.set(6200, new Map([[JOB_MARKER, ENDED], ["CODEX_THREAD_ID", THREAD]]));
  const listed = await run(world, listEverything({ all: true }));
  const ended = listed.jobs.find((j) => j.job.id === ENDED)!;
  expect(ended.pids).toEqual([]);
  expect(ended.strays).toEqual([]);
  expect(listed.jobs.find((j) => j.job.id === RUNNING)!.strays).toEqual([]);
});
