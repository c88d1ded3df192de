import { Effect, Fiber, Layer } from "effect";
import { TestClock } from "effect/testing";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, afterEach, describe, expect, test } from "vitest";
import { killTree } from "../../../src/app/jobs/killTree.ts";
import { identityOf, type ProcessIdentity } from "../../../src/core/process.ts";
import { type FakeWorld, fakeWorld, fakeWorldLayer } from "../../support/fakeWorld.ts";
import { ProcessTable } from "../../../src/services/ProcessTable.ts";
import { type SignalOutcome, Signals } from "../../../src/services/Signals.ts";
import { proc } from "../../core/fixtures.ts";
import { isAlive } from "../../real/support/harness.ts";
import { killOwned, type Owned, own } from "../../support/owned.ts";

const layer = Layer.mergeAll(ProcessTable.layer, Signals.layer.pipe(Layer.provide(ProcessTable.layer)));
const run = <A, E>(effect: Effect.Effect<A, E, ProcessTable | Signals>) => Effect.runPromise(effect.pipe(Effect.provide(layer)));

const spawned: Bun.Subprocess[] = [];
// where each tree's script writes its PIDs; removed with everything in it at the end
const outDir = mkdtempSync(join(tmpdir(), "cs-tree-"));
afterAll(() => rmSync(outDir, { recursive: true, force: true }));
const tagged = new Set<Owned | undefined>();
afterEach(() => {
  killOwned(tagged);
  for (const p of spawned) p.kill("SIGKILL");
  tagged.clear();
  spawned.length = 0;
});

const outFiles = new WeakMap<ReadonlyArray<number>, string>();
const outFileOf = (pids: ReadonlyArray<number>) => outFiles.get(pids)!;
/** Waits (up to 10 s) until `ready` holds. */
const until = async (ready: () => boolean | undefined) => {
  for (const deadline = Date.now() + 10_000; !ready();) {
    if (Date.now() > deadline) throw new Error("timed out waiting");
    await Bun.sleep(10);
  }
};

/** Starts `script` under bash; returns the root and every PID the script reports in its output file. */
const startTree = async (script: string, expected: number) => {
  const out = join(outDir, crypto.randomUUID());
  const root = Bun.spawn(["bash", "-c", script.replaceAll("$OUT", out)], { stdin: "ignore", stdout: "ignore", stderr: "ignore" });
  spawned.push(root);
  for (let i = 0; i < 200; i++) {
    const pids = (await Bun.file(out).text().catch(() => "")).split("\n").filter(Boolean).map(Number);
    if (pids.length >= expected) {
      pids.forEach((p) => tagged.add(own(p)));
      outFiles.set(pids, out);
      return { root, pids };
    }
    await Bun.sleep(20);
  }
  throw new Error("tree did not start");
};

const rootIdentity = (pid: number) => Effect.gen(function* () {
  const table = yield* ProcessTable;
  const live = yield* table.read(pid);
  return identityOf(live!, yield* table.bootId());
});

const marks = () => ({ jobId: crypto.randomUUID(), threadId: undefined, createdAt: Date.now() - 5_000, uid: process.getuid!() });

describe("killTree", () => {
  test("ends a tree whose grandchild ignores SIGTERM in a session of its own", async () => {
    const { root, pids } = await startTree(`echo $$ >> $OUT; setsid bash -c 'trap "" TERM; echo $$ >> $OUT; sleep 60 & echo $! >> $OUT; wait' & sleep 60 & echo $! >> $OUT; wait`, 4);
    const report = await run(Effect.gen(function* () { return yield* killTree([yield* rootIdentity(root.pid)], marks(), 300); }));
    expect(report.survivors).toEqual([]);
    for (const pid of pids) expect(isAlive(pid)).toBe(false);
    expect(report.members.length).toBeGreaterThanOrEqual(4);
  });

  test("refuses a root whose PID now belongs to another process, which survives", async () => {
    const { root } = await startTree(`echo $$ >> $OUT; sleep 60`, 1);
    const identity = await run(rootIdentity(root.pid));
    const report = await run(killTree([{ ...identity, startTime: String(Number(identity.startTime) - 1) }], marks(), 100));
    expect(report.members).toEqual([]);
    expect(isAlive(root.pid)).toBe(true);
  });

  test("catches a process that keeps forking while the kill runs", async () => {
    const { root } = await startTree(`echo $$ >> $OUT; while true; do sleep 30 & echo $! >> $OUT; sleep 0.01; done`, 5);
    const report = await run(Effect.gen(function* () { return yield* killTree([yield* rootIdentity(root.pid)], marks(), 300); }));
    expect(report.survivors).toEqual([]);
    const out = report.members.map((m) => m.pid);
    for (const pid of out) expect(isAlive(pid)).toBe(false);
  });

  // The freeze must not cost a tool its cleanup: what a TERM handler does before it exits is done.
  // Graces are generous: a tool that handles TERM ends at once, so they cost nothing unless broken.
  test("a tool's `trap … TERM` handler runs during the grace and what it writes lands", async () => {
    const { root, pids } = await startTree(`bash -c 'trap "echo cleaned-up > $OUT.trap; exit 0" TERM; sleep 300 & echo $! >> $OUT; wait' & echo $! >> $OUT; wait`, 2);
    const report = await run(Effect.gen(function* () { return yield* killTree([yield* rootIdentity(root.pid)], marks(), 20_000); }));
    expect(report.survivors).toEqual([]);
    for (const pid of pids) expect(isAlive(pid)).toBe(false);
    expect(readFileSync(`${outFileOf(pids)}.trap`, "utf8")).toBe("cleaned-up\n");
    expect(report.elapsedMs).toBeLessThan(20_000); // ended by its handler, not forced at the deadline
  });

  test("a tool the job had stopped (SIGSTOP, as Ctrl-Z) is continued, runs its TERM handler and ends", async () => {
    const { root, pids } = await startTree(`bash -c 'trap "echo continued > $OUT.trap; exit 0" TERM; echo $$ >> $OUT; kill -STOP $$; sleep 300 & wait' & wait`, 1);
    const stopped = pids[0]!;
    await until(() => readFileSync(`/proc/${stopped}/stat`, "utf8").split(") ")[1]?.startsWith("T"));
    const report = await run(Effect.gen(function* () { return yield* killTree([yield* rootIdentity(root.pid)], marks(), 20_000); }));
    expect(report.survivors).toEqual([]);
    expect(isAlive(stopped)).toBe(false);
    expect(readFileSync(`${outFileOf(pids)}.trap`, "utf8")).toBe("continued\n");
    expect(report.elapsedMs).toBeLessThan(20_000);
  });
});

describe("killTree's one grace (FakeWorld, TestClock)", () => {
  const GRACE = 1000;
  /** launcher 100 → native 101 → bash 102 (its own session) → sleep 103; `stubborn` ignore SIGTERM. */
  const codexTree = (stubborn: ReadonlyArray<number>) => {
    const world = fakeWorld();
    world.processes.set(100, proc(100, ["node", "/x/bin/codex.js", "exec", "-"]));
    world.processes.set(101, proc(101, ["/x/vendor/codex", "exec", "-"], { ppid: 100, pgid: 100, sid: 100 }));
    world.processes.set(102, proc(102, ["/bin/bash", "-lc", "sleep 60"], { ppid: 101 }));
    world.processes.set(103, proc(103, ["sleep", "60"], { ppid: 102, pgid: 102, sid: 102 }));
    for (const pid of stubborn) world.stubborn.add(pid);
    return world;
  };

  /** Kills the tree with roots 100 and 101 on a TestClock moved well past two graces; counts whole-table reads and asks for new processes. */
  const killOnTestClock = (world: FakeWorld, options: {
    readonly given?: boolean;
    /** Answers for a target in place of the world's signals; undefined lets the world answer. */
    readonly signals?: (target: ProcessIdentity, signal: NodeJS.Signals) => SignalOutcome | undefined;
  } = {}) => {
    let snapshots = 0;
    let asked = 0;
    const world0 = fakeWorldLayer(world);
    const base = options.signals
      ? Layer.merge(world0, Layer.effect(Signals, Effect.gen(function* () {
        const world = yield* Signals;
        const one = (target: ProcessIdentity, signal: NodeJS.Signals) => {
          const answer = options.signals!(target, signal);
          return answer ? Effect.succeed(answer) : Effect.map(world.sendAll([target], signal), (outcomes) => outcomes[0]!);
        };
        return Signals.of({ sendAll: (targets, signal) => Effect.forEach(targets, (t) => one(t, signal)) });
      })).pipe(Layer.provide(world0)))
      : world0;
    const counting = Layer.effect(ProcessTable, Effect.gen(function* () {
      const table = yield* ProcessTable;
      return ProcessTable.of({
        ...table,
        snapshot: () => { snapshots++; return table.snapshot(); },
        startedSince: (since) => { asked++; return table.startedSince(since); },
      });
    })).pipe(Layer.provide(base));
    const roots = [100, 101].map((pid) => identityOf(world.processes.get(pid)!, world.bootId));
    const jobMarks = { jobId: crypto.randomUUID(), threadId: undefined, createdAt: 0, uid: world.uid };
    return Effect.runPromise(Effect.gen(function* () {
      // what killJob hands over: the snapshot it just took, and the watermark read before it
      const given = options.given
        ? { watermark: yield* (yield* ProcessTable).watermark(), table: [...world.processes.values()] }
        : undefined;
      const fiber = yield* Effect.forkChild(killTree(roots, jobMarks, GRACE, given));
      yield* TestClock.adjust(3 * GRACE);
      return { report: yield* Fiber.join(fiber), snapshots, asked };
    }).pipe(Effect.provide(Layer.mergeAll(base, counting, TestClock.layer()))));
  };
  const sent = (world: FakeWorld) => world.signals.map(({ pid, signal }) => `${signal} ${pid}`);

  test("says what it could not check: a process that could be a stray but whose environment cannot be read", async () => {
    const world = codexTree([]);
    world.processes.set(200, proc(200, ["sleep", "301"])); // adopted by init, ours, started after the job
    const unreadable = await killOnTestClock(world);
    expect(unreadable.report.survivors).toEqual([]);
    expect(unreadable.report.unchecked).toEqual(["the environment of pid 200 (sleep 301), which could be a stray of the job"]);
    expect(world.processes.has(200)).toBe(true); // not taken for the job's on a guess

    const readable = codexTree([]);
    readable.processes.set(200, proc(200, ["sleep", "301"]));
    readable.environ.set(200, new Map([["HOME", "/home/u"]]));
    expect((await killOnTestClock(readable)).report.unchecked).toEqual([]);
  });

  test("a tree ignoring SIGTERM is SIGKILLed once one grace is over, roots last and still frozen, with no second grace for them", async () => {
    const world = codexTree([100, 101, 102, 103]);
    const { report, snapshots, asked } = await killOnTestClock(world);
    expect(sent(world)).toEqual([
      "SIGSTOP 100", "SIGSTOP 101", "SIGSTOP 102", "SIGSTOP 103",
      "SIGTERM 100", "SIGTERM 101", "SIGTERM 102", "SIGTERM 103",
      "SIGCONT 102", "SIGCONT 103",
      "SIGKILL 102", "SIGKILL 103",
      // past the deadline the roots are not continued: SIGKILL ends them stopped
      "SIGKILL 100", "SIGKILL 101",
    ]);
    expect(report.survivors).toEqual([]);
    expect(report.elapsedMs).toBeGreaterThanOrEqual(GRACE);
    expect(report.elapsedMs).toBeLessThan(GRACE + 100);
    // dozens of polls over the grace, one read per member each; five looks for new members: the
    // two freeze rounds, once shortly before the deadline, once each when the rest and the roots are
    // gone. Only the first and the last read the whole table; the others ask what started since.
    expect([snapshots, asked]).toEqual([2, 3]);
  });

  test("a member whose read fails as it is forced is forced again, not counted gone", async () => {
    const world = codexTree([100, 101, 102, 103]);
    // Signals reads the process first and answers Gone when that read fails (it proves nothing)
    let failed = false;
    const { report } = await killOnTestClock(world, {
      signals: (target, signal) => {
        if (signal !== "SIGKILL" || target.pid !== 102 || failed) return undefined;
        failed = true;
        return { _tag: "Gone" };
      },
    });
    expect(failed).toBe(true);
    expect(sent(world)).toContain("SIGKILL 102");
    expect(report.survivors).toEqual([]);
  });

  test("a member still alive after its SIGKILL is sent another only 100 ms later, not at once", async () => {
    const world = codexTree([100, 101, 102, 103]);
    // 102 takes its time to exit: the first SIGKILL is delivered and it lives on; the next one ends it
    let delivered = 0;
    const { report } = await killOnTestClock(world, {
      signals: (target, signal) => {
        if (signal !== "SIGKILL" || target.pid !== 102 || delivered++ > 0) return undefined;
        world.signals.push({ pid: 102, signal });
        return { _tag: "Sent" };
      },
    });
    expect(sent(world).filter((s) => s === "SIGKILL 102")).toHaveLength(2);
    expect(report.survivors).toEqual([]);
    // the first SIGKILL at the deadline, the second 100 ms after it (polls every 2 ms meanwhile)
    expect(report.elapsedMs).toBeGreaterThanOrEqual(GRACE + 100);
    expect(report.elapsedMs).toBeLessThan(GRACE + 200);
  });

  test("a member the kernel will not let us signal is a survivor, named with the reason, not counted as ended", async () => {
    const world = codexTree([]);
    // 103 (a tool's child running as root, say, while the kill runs unprivileged): every signal to it is refused
    const { report } = await killOnTestClock(world, {
      signals: (target) => (target.pid === 103 ? { _tag: "Refused", reason: "the signal is not permitted (EPERM)" } : undefined),
    });
    expect(world.processes.has(103)).toBe(true);
    expect(report.survivors).toEqual([103]);
    expect(report.survivorReasons).toEqual([{ pid: 103, reason: "refused: the signal is not permitted (EPERM)" }]);
    // the rest of the tree, roots included, is ended all the same
    expect([100, 101, 102].filter((pid) => world.processes.has(pid))).toEqual([]);
  });

  test("a child that a TERM handler forks during the grace is found before the deadline and asked to stop, not only SIGKILLed", async () => {
    // 102's handler (a tool's `trap … TERM`) starts a cleanup child 104 and waits for it past the grace
    const world = codexTree([100, 101, 102]);
    const { report } = await killOnTestClock(world, {
      signals: (target, signal) => {
        if (signal === "SIGTERM" && target.pid === 102 && !world.processes.has(104)) {
          world.processes.set(104, proc(104, ["/bin/sh", "-c", "cleanup"], { ppid: 102 }));
        }
        return undefined;
      },
    });
    expect(sent(world).filter((s) => s.endsWith(" 104"))).toEqual(["SIGTERM 104"]);
    expect(world.processes.has(104)).toBe(false);
    expect(report.survivors).toEqual([]);
  });

  test("roots that ignore SIGTERM get what is left of the grace the rest of the tree did not use", async () => {
    const world = codexTree([100, 101]);
    const { report } = await killOnTestClock(world);
    expect(sent(world)).toEqual([
      "SIGSTOP 100", "SIGSTOP 101", "SIGSTOP 102", "SIGSTOP 103",
      "SIGTERM 100", "SIGTERM 101", "SIGTERM 102", "SIGTERM 103",
      "SIGCONT 100", "SIGCONT 101",
      "SIGKILL 100", "SIGKILL 101",
    ]);
    expect(report.elapsedMs).toBeGreaterThanOrEqual(GRACE);
    expect(report.elapsedMs).toBeLessThan(GRACE + 100);
  });

  test("a cooperative tree is looked for four times (two freeze rounds, the tools gone, the roots gone), read whole only the first and last", async () => {
    const world = codexTree([]);
    const { report, snapshots, asked } = await killOnTestClock(world);
    expect(report.survivors).toEqual([]);
    expect(report.members.map((m) => m.pid).sort()).toEqual([100, 101, 102, 103]);
    expect(report.elapsedMs).toBeLessThan(50);
    expect([snapshots, asked]).toEqual([2, 2]);
  });

  test("given the snapshot the caller just took, it reads the whole table only once, at the end", async () => {
    const world = codexTree([]);
    const { report, snapshots, asked } = await killOnTestClock(world, { given: true });
    expect(report.members.map((m) => m.pid).sort()).toEqual([100, 101, 102, 103]);
    expect([snapshots, asked]).toEqual([1, 2]);
  });
});
