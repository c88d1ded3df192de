import { Effect, Layer } from "effect";
import { afterEach, describe, expect, test } from "vitest";
import { killTree } from "../../src/core/jobs/killTree.ts";
import { identityOf } from "../../src/core/process.ts";
import { ProcessTable } from "../../src/services/ProcessTable.ts";
import { Signals } from "../../src/services/Signals.ts";
import { isAlive } from "../real/support/harness.ts";

const layer = Layer.mergeAll(ProcessTable.layer, Signals.layer.pipe(Layer.provide(ProcessTable.layer)));
const run = <A, E>(effect: Effect.Effect<A, E, ProcessTable | Signals>) => Effect.runPromise(effect.pipe(Effect.provide(layer)));

const spawned: Bun.Subprocess[] = [];
const tagged = new Set<number>();
afterEach(() => {
  for (const pid of tagged) { try { process.kill(pid, "SIGKILL"); } catch { /* gone */ } }
  for (const p of spawned) p.kill("SIGKILL");
  tagged.clear();
  spawned.length = 0;
});

/** Starts `script` under bash; returns the root and every PID the script reports in its output file. */
const startTree = async (script: string, expected: number) => {
  const out = `/tmp/cs-tree-${crypto.randomUUID()}`;
  const root = Bun.spawn(["bash", "-c", script.replaceAll("$OUT", out)], { stdin: "ignore", stdout: "ignore", stderr: "ignore" });
  spawned.push(root);
  for (let i = 0; i < 200; i++) {
    const pids = (await Bun.file(out).text().catch(() => "")).split("\n").filter(Boolean).map(Number);
    if (pids.length >= expected) {
      pids.forEach((p) => tagged.add(p));
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
});
