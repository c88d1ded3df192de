import * as Effect from "effect/Effect";
import * as Layer from "effect/Layer";
import type { ProcessIdentity, ProcessInfo } from "../../src/core/process.ts";
import { ProcessTable, ProcessTableError, type Watermark } from "../../src/services/ProcessTable.ts";
import { Signals, type SignalOutcome } from "../../src/services/Signals.ts";
import { Usage } from "../../src/services/Usage.ts";
import { countersOf, type IdentityVerdict, sameProcess, verifyIdentity } from "../../src/core/process.ts";

/**
 * A machine made of data, for tests of logic above the process table: processes,
 * their environments and CPU, and a log of every signal sent. TERM and KILL end
 * a process (and reparent its children to init), as on a real machine.
 */
export interface FakeWorld {
  readonly bootId: string;
  readonly uid: number;
  readonly processes: Map<number, ProcessInfo>;
  readonly environ: Map<number, ReadonlyMap<string, string>>;
  readonly cpu: Map<number, number>;
  readonly signals: Array<{ readonly pid: number; readonly signal: NodeJS.Signals }>;
  /** Processes that ignore SIGTERM. */
  readonly stubborn: Set<number>;
  /** The next this-many snapshots fail, as an unreadable /proc would. */
  snapshotFailures: number;
  /** What the table says it could not read (the portable backend's `gaps`: lsof missing, …). */
  readonly gaps: string[];
}

export const fakeWorld = (uid = 1000): FakeWorld => ({
  bootId: "fake-boot", uid, processes: new Map(), environ: new Map(), cpu: new Map(), signals: [], stubborn: new Set(), snapshotFailures: 0, gaps: [],
});

const end = (world: FakeWorld, pid: number) => {
  world.processes.delete(pid);
  for (const [other, p] of world.processes) if (p.ppid === pid) world.processes.set(other, { ...p, ppid: 1 });
};

/** ProcessTable, Signals and Usage over a FakeWorld. */
export const fakeWorldLayer = (world: FakeWorld) => {
  const marks = new Map<number, Set<string>>();
  const mark = (world: FakeWorld): Watermark => {
    const id = marks.size + 1;
    marks.set(id, new Set([...world.processes.values()].map((p) => `${p.pid}:${p.startTime}`)));
    return { lastPid: id, forks: id, tasks: world.processes.size };
  };
  const table = Layer.succeed(ProcessTable, ProcessTable.of({
    backend: "linux",
    snapshot: () => world.snapshotFailures > 0
      ? Effect.suspend(() => { world.snapshotFailures--; return Effect.fail(new ProcessTableError({ operation: "snapshot", cause: new Error("fake /proc unreadable") })); })
      : Effect.sync(() => [...world.processes.values()]),
    read: (pid) => Effect.sync(() => world.processes.get(pid)),
    statusNow: (pid) => world.processes.get(pid),
    // a watermark names the processes that existed then; what is in the world and not among them started since
    watermark: () => Effect.sync(() => mark(world)),
    startedSince: (since) => Effect.sync(() => {
      const before = marks.get(since.lastPid);
      if (!before) return undefined;
      return { now: mark(world), processes: [...world.processes.values()].filter((p) => !before.has(`${p.pid}:${p.startTime}`)) };
    }),
    counters: (known) => Effect.sync(() => countersOf(known, known.map((p) => sameProcess(p, world.processes.get(p.pid))))),
    bootId: () => Effect.succeed(world.bootId),
    currentUid: world.uid,
    environ: (pid) => Effect.sync(() => world.environ.get(pid)),
    environVar: (pid, name) => Effect.sync(() => world.environ.get(pid)?.get(name)),
    openFiles: () => Effect.succeed([]),
    cwd: () => Effect.succeed(undefined),
    gaps: () => world.gaps,
  }));
  const sendNow = (target: ProcessIdentity, signal: NodeJS.Signals): SignalOutcome => {
    if (target.pid <= 1) return { _tag: "Refused", reason: "pid 0/1" };
    const verdict: IdentityVerdict = verifyIdentity(target, world.processes.get(target.pid), world.bootId, world.uid);
    if (!verdict.ok) return verdict.reason === "gone" || verdict.reason === "zombie" ? { _tag: "Gone" } : { _tag: "Refused", reason: verdict.reason };
    world.signals.push({ pid: target.pid, signal });
    if (signal === "SIGKILL" || (signal === "SIGTERM" && !world.stubborn.has(target.pid))) end(world, target.pid);
    return { _tag: "Sent" };
  };
  const signals = Layer.succeed(Signals, Signals.of({
    sendAll: (targets, signal) => Effect.sync(() => targets.map((t) => sendNow(t, signal))),
  }));
  const usage = Layer.succeed(Usage, Usage.of({
    shares: (processes) => Effect.sync(() => Float64Array.from(processes, ({ pid }) => (world.processes.has(pid) ? world.cpu.get(pid) ?? 0 : 0))),
    sample: (processes) => Effect.sync(() => new Map(processes.flatMap(({ pid }) => {
      const p = world.processes.get(pid);
      return p ? [[pid, { cpu: world.cpu.get(pid) ?? 0, memory: p.rssBytes }] as const] : [];
    }))),
    record: () => Effect.void, // the world's CPU shares are set by the test, not worked out from samples
  }));
  return Layer.mergeAll(table, signals, usage);
};
