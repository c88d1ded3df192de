import * as Context from "effect/Context";
import * as Effect from "effect/Effect";
import * as Layer from "effect/Layer";
import { type IdentityVerdict, type ProcessStatus, type SignalTarget, verifyIdentity } from "../core/process.ts";
import { ProcessTable } from "./ProcessTable.ts";
import { kernel, KernelError } from "./proc/signal.ts";
import { fn } from "../core/fn.ts";

export type SignalOutcome =
  | { readonly _tag: "Sent" }
  | { readonly _tag: "Gone" }
  | { readonly _tag: "Refused"; readonly reason: string };

const failed = (cause: unknown): SignalOutcome => {
  const code = cause instanceof KernelError ? cause.code : String(cause);
  if (code === "ESRCH") return { _tag: "Gone" };
  return { _tag: "Refused", reason: code === "EPERM" ? "the signal is not permitted (EPERM)" : code };
};

/**
 * The only way this program signals a process. Each signal re-reads its process
 * immediately before it is sent and goes only if that is still exactly the recorded
 * one: a single PID, never a group, never PID 0 or 1. On Linux the signal goes through
 * a pidfd opened before that read, so a PID freed and reused between the read and the
 * signal cannot receive it (see proc/signal.ts); elsewhere through kill(2).
 */
export class Signals extends Context.Service<Signals, {
  /**
   * One signal to one or more processes, one after the other, each read just before its own
   * signal (a kill sends each signal to a whole tree): an outcome per target, in order.
   */
  readonly sendAll: (targets: ReadonlyArray<SignalTarget>, signal: NodeJS.Signals) => Effect.Effect<ReadonlyArray<SignalOutcome>>;
}>()("codex-supervisor/Signals") {
  static readonly layer = Layer.effect(Signals, Effect.gen(function* () {
    const table = yield* ProcessTable;
    /** Is the process at the target's PID, read now (or in the batch read just now: `read`), still the target? */
    const check = (target: SignalTarget, bootId: string, read?: ReadonlyMap<number, ProcessStatus>): SignalOutcome | undefined => {
      let live: ProcessStatus | undefined;
      try {
        live = read ? read.get(target.pid) : table.statusNow(target.pid);
      } catch {
        live = undefined; // an unreadable process is not proven to be ours
      }
      const verdict: IdentityVerdict = verifyIdentity(target, live, bootId, table.currentUid);
      if (verdict.ok) return undefined;
      return verdict.reason === "gone" || verdict.reason === "zombie" ? { _tag: "Gone" } : { _tag: "Refused", reason: verdict.reason };
    };
    const never = (target: SignalTarget): SignalOutcome | undefined =>
      !Number.isInteger(target.pid) || target.pid <= 1 ? { _tag: "Refused", reason: `pid ${target.pid} is never signalled` } : undefined;
    /** A pidfd on the target's PID (undefined: none on this system), or why it cannot be signalled. */
    const open = (target: SignalTarget): { fd: number | undefined } | SignalOutcome => {
      try {
        return { fd: kernel.pidfdOpen(target.pid) };
      } catch (cause) {
        return failed(cause);
      }
    };
    const sendNow = (target: SignalTarget, signal: NodeJS.Signals, bootId: string): SignalOutcome => {
      const refusedAlways = never(target);
      if (refusedAlways) return refusedAlways;
      const opened = open(target);
      if ("_tag" in opened) return opened;
      return sendOpened(target, opened.fd, signal, bootId);
    };
    const sendOpened = (target: SignalTarget, fd: number | undefined, signal: NodeJS.Signals, bootId: string, read?: ReadonlyMap<number, ProcessStatus>): SignalOutcome => {
      try {
        const refused = check(target, bootId, read);
        if (refused) return refused;
        if (fd === undefined) kernel.kill(target.pid, signal);
        else kernel.pidfdSend(fd, target.pid, signal);
        return { _tag: "Sent" };
      } catch (cause) {
        return failed(cause);
      } finally {
        if (fd !== undefined) kernel.close(fd);
      }
    };
    // One Effect for the whole batch: the read and the signal of each target stay back to back,
    // with none of the per-call machinery between targets.
    // Where one read of many costs one of one (a `ps`), the targets are read together: each one's pidfd
    // (where there are pidfds) opened first, so the read still names the very process each signal reaches.
    const sendAll = fn("Signals.sendAll")(function* (targets: ReadonlyArray<SignalTarget>, signal: NodeJS.Signals) {
      const bootId = yield* table.bootId();
      if (!table.statusAllNow || targets.length < 2) return targets.map((target) => sendNow(target, signal, bootId));
      const opened = targets.map((target) => never(target) ?? open(target));
      let read: ReadonlyMap<number, ProcessStatus>;
      try {
        read = table.statusAllNow(targets.flatMap((t, i) => ("fd" in opened[i]! ? [t.pid] : [])));
      } catch {
        read = new Map(); // an unreadable process is not proven to be ours
      }
      return targets.map((target, i) => {
        const o = opened[i]!;
        return "fd" in o ? sendOpened(target, o.fd, signal, bootId, read) : o;
      });
    });
    return Signals.of({ sendAll });
  }));
}
