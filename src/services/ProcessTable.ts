import * as Context from "effect/Context";
import * as Data from "effect/Data";
import * as Effect from "effect/Effect";
import * as Layer from "effect/Layer";
import { type Counters, countersOf, type ProcessInfo, type ProcessStatus, sameProcess } from "../core/process.ts";
import {
  linuxBootId, linuxCounters, linuxCwd, linuxEnviron, linuxEnvironVar, linuxOpenFiles, linuxSnapshot, linuxStartedSince, linuxWatermark, readLinuxProcess, readLinuxStatus, type Watermark,
} from "./proc/linux.ts";
import { portableBootId, portableSnapshot, portableStatus } from "./proc/portable.ts";
import { fn } from "../core/fn.ts";

export type { Watermark };

export class ProcessTableError extends Data.TaggedError("ProcessTableError")<{
  readonly operation: string;
  readonly cause?: unknown;
}> {}

/** The machine's processes, read-only: snapshots, single reads, environments and open files. */
export class ProcessTable extends Context.Service<ProcessTable, {
  readonly snapshot: () => Effect.Effect<ReadonlyArray<ProcessInfo>, ProcessTableError>;
  /** A fresh read of one process, command line included. */
  readonly read: (pid: number) => Effect.Effect<ProcessInfo | undefined, ProcessTableError>;
  /**
   * The same without the command line, read now, synchronously: who a process is and whether it
   * still runs, for a check made in the same breath as the act it guards (a signal). Throws
   * ProcessTableError when the read fails. Synchronous because a kill makes it for every member,
   * several times, and an Effect per send costs a fresh process far more than one loop (BENCHMARKS.md, "Measurements behind the code";
   * `bun bench/tools/kill-timeline.ts` shows the kill's phases).
   */
  readonly statusNow: (pid: number) => ProcessStatus | undefined;
  /** Where process creation stands now; undefined where the system does not say (then every look is a snapshot). */
  readonly watermark: () => Effect.Effect<Watermark | undefined>;
  /**
   * Every process started since the watermark, read fresh, and the watermark now; undefined when
   * that cannot be told cheaply (too many created, or the PID space wrapped round).
   */
  readonly startedSince: (since: Watermark) => Effect.Effect<{ readonly now: Watermark; readonly processes: ReadonlyArray<ProcessInfo> } | undefined>;
  /**
   * Fresh CPU time and memory of processes already known, each still the same process (same PID
   * and start), alive, under the same parent; else the first that is not: what a quiet tick reads.
   */
  readonly counters: (known: ReadonlyArray<ProcessInfo>) => Effect.Effect<Counters, ProcessTableError>;
  readonly bootId: () => Effect.Effect<string>;
  readonly currentUid: number;
  /** The process's environment; undefined when it cannot be read (gone, other user, no /proc). */
  readonly environ: (pid: number) => Effect.Effect<ReadonlyMap<string, string> | undefined>;
  /**
   * One variable of the environment, where it can be found without parsing the rest (a byte search:
   * a third of `environ`'s cost, `bun bench/tools/stray-pass.ts`); else ask `environ`.
   */
  readonly environVar?: (pid: number, name: string) => Effect.Effect<string | undefined>;
  readonly openFiles: (pid: number) => Effect.Effect<ReadonlyArray<string>>;
  readonly cwd: (pid: number) => Effect.Effect<string | undefined>;
}>()("codex-supervisor/ProcessTable") {
  static readonly layer = Layer.sync(ProcessTable, () => {
    const linux = process.platform === "linux";
    let bootId: string | undefined;
    const snapshot = fn("ProcessTable.snapshot")(function* () {
      return yield* Effect.tryPromise({
        try: async () => (linux ? linuxSnapshot() : portableSnapshot()),
        catch: (cause) => new ProcessTableError({ operation: "snapshot", cause }),
      });
    });
    const read = fn("ProcessTable.read")(function* (pid: number) {
      if (linux) return readLinuxProcess(pid);
      const all = yield* snapshot();
      return all.find((p) => p.pid === pid);
    });
    const statusNow = (pid: number): ProcessStatus | undefined => {
      try {
        return linux ? readLinuxStatus(pid) : portableStatus(pid);
      } catch (cause) {
        throw new ProcessTableError({ operation: "status", cause });
      }
    };
    const counters = (known: ReadonlyArray<ProcessInfo>) => linux
      ? Effect.sync(() => linuxCounters(known))
      : Effect.map(snapshot(), (all) => {
        const byPid = new Map(all.map((p) => [p.pid, p]));
        return countersOf(known, known.map((p) => sameProcess(p, byPid.get(p.pid))));
      });
    return ProcessTable.of({
      snapshot,
      read,
      statusNow,
      watermark: () => Effect.sync(() => (linux ? linuxWatermark() : undefined)),
      startedSince: (since) => Effect.sync(() => (linux ? linuxStartedSince(since) : undefined)),
      counters,
      bootId: () => Effect.sync(() => (bootId ??= linux ? linuxBootId() : portableBootId())),
      currentUid: process.getuid?.() ?? -1,
      environ: (pid) => Effect.sync(() => (linux ? linuxEnviron(pid) : undefined)),
      environVar: (pid, name) => Effect.sync(() => (linux ? linuxEnvironVar(pid, name) : undefined)),
      openFiles: (pid) => Effect.sync(() => (linux ? linuxOpenFiles(pid) : [])),
      cwd: (pid) => Effect.sync(() => (linux ? linuxCwd(pid) : undefined)),
    });
  });
}
