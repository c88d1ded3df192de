/** One row of the process table, as read at one instant. */
export interface ProcessInfo {
  readonly pid: number;
  readonly ppid: number;
  readonly pgid: number;
  readonly sid: number;
  readonly uid: number;
  /** Opaque start stamp: clock ticks since boot on Linux, a parsed start time elsewhere. */
  readonly startTime: string;
  /** Wall-clock start, epoch milliseconds (derived from startTime). */
  readonly startedAt: number;
  /** Kernel state letter: R, S, D, Z, T … */
  readonly state: string;
  readonly name: string;
  /** argv; empty for zombies and kernel threads. */
  readonly argv: ReadonlyArray<string>;
  readonly rssBytes: number;
  /** User+system CPU time used so far, milliseconds. */
  readonly cpuTimeMs: number;
}

/** A process without its command line: who it is and how it runs, what a check before a signal reads. */
export type ProcessStatus = Omit<ProcessInfo, "argv">;

/**
 * What makes a process itself and not a later one with the same PID:
 * the PID, its start stamp, the boot it started in, and its owner.
 */
export interface ProcessIdentity {
  readonly pid: number;
  readonly startTime: string;
  readonly bootId: string;
  readonly uid: number;
}

/**
 * A process a signal is for. `anyOwner`: its owner may be anyone, not only us; for a proven
 * descendant of a job's process (a tool that switched user is still the job's), never for a
 * record or a process that only claims to be the job's.
 */
export interface SignalTarget extends ProcessIdentity {
  readonly anyOwner?: boolean;
}

export const identityOf = (p: ProcessInfo, bootId: string): ProcessIdentity => ({
  pid: p.pid,
  startTime: p.startTime,
  bootId,
  uid: p.uid,
});

/** `live` when it is the very process `known` was (same PID, same start), else undefined. */
export const sameProcess = <P extends ProcessStatus>(known: Pick<ProcessInfo, "pid" | "startTime">, live: P | undefined): P | undefined =>
  live && live.pid === known.pid && live.startTime === known.startTime ? live : undefined;

/**
 * Fresh counters of processes already followed, index for index; or the first of them that is
 * no longer as it was (ended, a zombie, or moved to another parent).
 */
export type Counters =
  | { readonly _tag: "Same"; readonly cpuTimeMs: Float64Array; readonly rssBytes: Float64Array }
  | { readonly _tag: "Changed"; readonly pid: number; readonly change: "ended" | "changed parent" };

/** Counters from fresh reads of the same processes (undefined: not the same process any more). */
export const countersOf = (known: ReadonlyArray<ProcessStatus>, fresh: ReadonlyArray<ProcessStatus | undefined>): Counters => {
  const cpuTimeMs = new Float64Array(known.length);
  const rssBytes = new Float64Array(known.length);
  for (let i = 0; i < known.length; i++) {
    const p = fresh[i];
    if (!p || p.state === "Z") return { _tag: "Changed", pid: known[i]!.pid, change: "ended" };
    if (p.ppid !== known[i]!.ppid) return { _tag: "Changed", pid: known[i]!.pid, change: "changed parent" };
    cpuTimeMs[i] = p.cpuTimeMs;
    rssBytes[i] = p.rssBytes;
  }
  return { _tag: "Same", cpuTimeMs, rssBytes };
};

export type IdentityVerdict =
  | { readonly ok: true }
  | { readonly ok: false; readonly reason: "gone" | "reused" | "rebooted" | "other-user" | "zombie" };

/** Is `live` (read just now, in boot `bootId`) the very process recorded as `recorded`? */
export const verifyIdentity = (
  recorded: SignalTarget,
  live: ProcessStatus | undefined,
  bootId: string,
  currentUid: number,
): IdentityVerdict => {
  if (recorded.bootId !== bootId) return { ok: false, reason: "rebooted" };
  // the supervisor never launches init, and PID 0 or a negative number names a process group
  if (!Number.isInteger(recorded.pid) || recorded.pid <= 1) return { ok: false, reason: "gone" };
  if (!live || live.pid !== recorded.pid) return { ok: false, reason: "gone" };
  if (live.startTime !== recorded.startTime) return { ok: false, reason: "reused" };
  if (!recorded.anyOwner && (live.uid !== recorded.uid || live.uid !== currentUid)) return { ok: false, reason: "other-user" };
  if (live.state === "Z") return { ok: false, reason: "zombie" };
  return { ok: true };
};
