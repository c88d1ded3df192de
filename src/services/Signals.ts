import * as Context from "effect/Context";
import * as Effect from "effect/Effect";
import * as Layer from "effect/Layer";
import { type IdentityVerdict, type ProcessIdentity, type ProcessStatus, verifyIdentity } from "../core/process.ts";
import { ProcessTable } from "./ProcessTable.ts";
import { fn } from "../core/fn.ts";

export type SignalOutcome =
  | { readonly _tag: "Sent" }
  | { readonly _tag: "Gone" }
  | { readonly _tag: "Refused"; readonly reason: string };

/**
 * The only way this program signals a process. Each signal re-reads its process
 * immediately before it is sent and goes only if that is still exactly the recorded
 * one: a single PID, never a group, never PID 0 or 1.
 */
export class Signals extends Context.Service<Signals, {
  /**
   * One signal to one or more processes, one after the other, each read just before its own
   * signal (a kill sends each signal to a whole tree): an outcome per target, in order.
   */
  readonly sendAll: (targets: ReadonlyArray<ProcessIdentity>, signal: NodeJS.Signals) => Effect.Effect<ReadonlyArray<SignalOutcome>>;
}>()("codex-supervisor/Signals") {
  static readonly layer = Layer.effect(Signals, Effect.gen(function* () {
    const table = yield* ProcessTable;
    const sendNow = (target: ProcessIdentity, signal: NodeJS.Signals, bootId: string): SignalOutcome => {
      if (!Number.isInteger(target.pid) || target.pid <= 1) {
        return { _tag: "Refused", reason: `pid ${target.pid} is never signalled` };
      }
      let live: ProcessStatus | undefined;
      try {
        live = table.statusNow(target.pid);
      } catch {
        live = undefined; // an unreadable process is not proven to be ours
      }
      const verdict: IdentityVerdict = verifyIdentity(target, live, bootId, table.currentUid);
      if (!verdict.ok) {
        return verdict.reason === "gone" || verdict.reason === "zombie" ? { _tag: "Gone" } : { _tag: "Refused", reason: verdict.reason };
      }
      try {
        process.kill(target.pid, signal);
        return { _tag: "Sent" };
      } catch (cause) {
        const code = (cause as NodeJS.ErrnoException).code;
        return code === "ESRCH" ? { _tag: "Gone" } : { _tag: "Refused", reason: code ?? String(cause) };
      }
    };
    // One Effect for the whole batch: the read and the signal of each target stay back to back,
    // with none of the per-call machinery between targets.
    const sendAll = fn("Signals.sendAll")(function* (targets: ReadonlyArray<ProcessIdentity>, signal: NodeJS.Signals) {
      const bootId = yield* table.bootId();
      return targets.map((target) => sendNow(target, signal, bootId));
    });
    return Signals.of({ sendAll });
  }));
}
