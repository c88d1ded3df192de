import * as Context from "effect/Context";
import * as Data from "effect/Data";
import * as Effect from "effect/Effect";
import * as Layer from "effect/Layer";
import type { Counters, ProcessInfo, ProcessStatus } from "../core/process.ts";
import {
  linuxBootId, linuxCwd, linuxEnviron, linuxEnvironVar, linuxOpenFiles, linuxProc, readLinuxProcess, readLinuxStatus, type Watermark,
} from "./proc/linux.ts";
import { FILES_GAP, portableProc } from "./proc/portable.ts";
import { fn } from "../core/fn.ts";

export type { Watermark };

export class ProcessTableError extends Data.TaggedError("ProcessTableError")<{
  readonly operation: string;
  readonly cause?: unknown;
}> {}

/** The machine's processes, read-only: snapshots, single reads, environments and open files. */
export class ProcessTable extends Context.Service<ProcessTable, {
  /** Which backend reads the table: `linux` (/proc) or `portable` (ps and lsof). */
  readonly backend: ProcessTableBackend;
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
  /**
   * `statusNow` of several processes in one read, where one read of many costs what one of one
   * does (a `ps` spawn); absent where reading each is cheaper (/proc). Throws ProcessTableError.
   */
  readonly statusAllNow?: (pids: ReadonlyArray<number>) => ReadonlyMap<number, ProcessStatus>;
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
  /**
   * Says which processes' open files and cwd (`files`) or environments (`environ`) are about to be
   * asked for, so a backend that reads them by spawning (lsof, ps) reads them all at once; /proc
   * needs no warning.
   */
  readonly prepare?: (pids: ReadonlyArray<number>, fact: "files" | "environ") => Effect.Effect<void>;
  /** Kinds of facts this backend could not read at all so far (`lsof not found`): what a kill must say it did not check. */
  readonly gaps?: () => ReadonlyArray<string>;
}>()("codex-supervisor/ProcessTable") {
  /** The /proc backend; its held descriptors are closed with the layer's scope. */
  static readonly layerLinux = Layer.effect(ProcessTable, Effect.gen(function* () {
    const proc = linuxProc();
    yield* Effect.addFinalizer(() => Effect.sync(proc.close));
    let bootId: string | undefined;
    return ProcessTable.of({
      backend: "linux",
      snapshot: fn("ProcessTable.snapshot")(function* () {
        return yield* Effect.try({ try: proc.snapshot, catch: (cause) => new ProcessTableError({ operation: "snapshot", cause }) });
      }),
      read: (pid) => Effect.sync(() => readLinuxProcess(pid)),
      statusNow: (pid) => {
        try {
          return readLinuxStatus(pid);
        } catch (cause) {
          throw new ProcessTableError({ operation: "status", cause });
        }
      },
      watermark: () => Effect.sync(proc.watermark),
      startedSince: (since) => Effect.sync(() => proc.startedSince(since)),
      counters: (known) => Effect.sync(() => proc.counters(known)),
      bootId: () => Effect.sync(() => (bootId ??= linuxBootId())),
      currentUid: process.getuid?.() ?? -1,
      environ: (pid) => Effect.sync(() => linuxEnviron(pid)),
      environVar: (pid, name) => Effect.sync(() => linuxEnvironVar(pid, name)),
      openFiles: (pid) => Effect.sync(() => linuxOpenFiles(pid)),
      cwd: (pid) => Effect.sync(() => linuxCwd(pid)),
    });
  }));

  /** The ps/lsof backend: macOS and the BSDs, or Linux when asked for. */
  static readonly layerPortable = Layer.effect(ProcessTable, Effect.gen(function* () {
    const proc = portableProc();
    yield* Effect.addFinalizer(() => Effect.sync(proc.close));
    let bootId: string | undefined;
    const fail = (operation: string) => (cause: unknown) => new ProcessTableError({ operation, cause });
    return ProcessTable.of({
      backend: "portable",
      snapshot: fn("ProcessTable.snapshot")(function* () {
        return yield* Effect.tryPromise({ try: proc.snapshot, catch: fail("snapshot") });
      }),
      read: (pid) => Effect.tryPromise({ try: () => proc.read(pid), catch: fail("read") }),
      statusNow: (pid) => {
        try {
          return proc.status(pid);
        } catch (cause) {
          throw new ProcessTableError({ operation: "status", cause });
        }
      },
      statusAllNow: (pids) => {
        try {
          return proc.statusAll(pids);
        } catch (cause) {
          throw new ProcessTableError({ operation: "status", cause });
        }
      },
      watermark: () => Effect.sync(proc.watermark),
      startedSince: (since) => Effect.promise(() => proc.startedSince(since).catch(() => undefined)),
      counters: (known) => Effect.tryPromise({ try: () => proc.counters(known), catch: fail("counters") }),
      bootId: () => Effect.sync(() => (bootId ??= proc.bootId())),
      currentUid: process.getuid?.() ?? -1,
      environ: (pid) => Effect.promise(() => proc.environ(pid)),
      openFiles: (pid) => Effect.promise(() => proc.openFiles(pid)),
      cwd: (pid) => Effect.promise(() => proc.cwd(pid)),
      prepare: (pids, fact) => Effect.promise(() => proc.prepare(pids, fact)),
      gaps: proc.gaps,
    });
  }));

  /** The backend for this machine, chosen once: CODEX_SUPERVISOR_PROCESS_TABLE, else by platform. */
  static readonly layer = Layer.unwrap(Effect.sync(() =>
    chooseBackend(process.env, process.platform).backend === "linux" ? ProcessTable.layerLinux : ProcessTable.layerPortable));
}

export type ProcessTableBackend = "linux" | "portable";

/** Whether open files (and so a running Codex's rollout, its thread) could be read so far. */
export const canReadOpenFiles = (table: ProcessTable["Service"]): boolean => !(table.gaps?.() ?? []).some((gap) => gap.startsWith(FILES_GAP));

/** The variable that forces a backend (`portable` on Linux runs what macOS runs). */
export const BACKEND_ENV = "CODEX_SUPERVISOR_PROCESS_TABLE";

/** Which backend to use, and why (what `doctor` shows). */
export const chooseBackend = (env: Readonly<Record<string, string | undefined>>, platform: NodeJS.Platform): { backend: ProcessTableBackend; why: string } => {
  const asked = env[BACKEND_ENV]?.trim();
  if (asked === "portable") return { backend: "portable", why: `${BACKEND_ENV}=portable` };
  if (asked === "linux" && platform === "linux") return { backend: "linux", why: `${BACKEND_ENV}=linux` };
  const byPlatform: ProcessTableBackend = platform === "linux" ? "linux" : "portable";
  const ignored = asked ? ` (${BACKEND_ENV}=${asked} ignored: ${asked === "linux" ? "not Linux" : "expected portable or linux"})` : "";
  return { backend: byPlatform, why: `the default on ${platform}${ignored}` };
};
