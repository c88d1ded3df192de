import * as Context from "effect/Context";
import * as Data from "effect/Data";
import * as Effect from "effect/Effect";
import * as Layer from "effect/Layer";
import type { ProcessInfo } from "../core/process.ts";
import {
  linuxBootId, linuxCwd, linuxEnviron, linuxOpenFiles, linuxSnapshot, readLinuxProcess,
} from "./proc/linux.ts";
import { portableBootId, portableSnapshot } from "./proc/portable.ts";

export class ProcessTableError extends Data.TaggedError("ProcessTableError")<{
  readonly operation: string;
  readonly cause?: unknown;
}> {}

/** The machine's processes, read-only: snapshots, single reads, environments and open files. */
export class ProcessTable extends Context.Service<ProcessTable, {
  readonly snapshot: () => Effect.Effect<ReadonlyArray<ProcessInfo>, ProcessTableError>;
  /** A fresh read of one process, for checks made immediately before acting on it. */
  readonly read: (pid: number) => Effect.Effect<ProcessInfo | undefined, ProcessTableError>;
  readonly bootId: () => Effect.Effect<string>;
  readonly currentUid: number;
  /** The process's environment; undefined when it cannot be read (gone, other user, no /proc). */
  readonly environ: (pid: number) => Effect.Effect<ReadonlyMap<string, string> | undefined>;
  readonly openFiles: (pid: number) => Effect.Effect<ReadonlyArray<string>>;
  readonly cwd: (pid: number) => Effect.Effect<string | undefined>;
}>()("codex-supervisor/ProcessTable") {
  static readonly layer = Layer.sync(ProcessTable, () => {
    const linux = process.platform === "linux";
    let bootId: string | undefined;
    const snapshot = Effect.fn("ProcessTable.snapshot")(function* () {
      return yield* Effect.tryPromise({
        try: async () => (linux ? linuxSnapshot() : portableSnapshot()),
        catch: (cause) => new ProcessTableError({ operation: "snapshot", cause }),
      });
    });
    const read = Effect.fn("ProcessTable.read")(function* (pid: number) {
      if (linux) return readLinuxProcess(pid);
      const all = yield* snapshot();
      return all.find((p) => p.pid === pid);
    });
    return ProcessTable.of({
      snapshot,
      read,
      bootId: () => Effect.sync(() => (bootId ??= linux ? linuxBootId() : portableBootId())),
      currentUid: process.getuid?.() ?? -1,
      environ: (pid) => Effect.sync(() => (linux ? linuxEnviron(pid) : undefined)),
      openFiles: (pid) => Effect.sync(() => (linux ? linuxOpenFiles(pid) : [])),
      cwd: (pid) => Effect.sync(() => (linux ? linuxCwd(pid) : undefined)),
    });
  });
}
