import * as Context from "effect/Context";
import * as Effect from "effect/Effect";
import * as Layer from "effect/Layer";
import { type IdentityVerdict, type ProcessIdentity, verifyIdentity } from "../core/process.ts";
import { ProcessTable } from "./ProcessTable.ts";

export type SignalOutcome =
  | { readonly _tag: "Sent" }
  | { readonly _tag: "Gone" }
  | { readonly _tag: "Refused"; readonly reason: string };

/**
 * The only way this program signals a process. Each call re-reads the process
 * immediately before the signal and sends it only if it is still exactly the
 * recorded one: a single PID, never a group, never PID 0 or 1.
 */
export class Signals extends Context.Service<Signals, {
  readonly send: (target: ProcessIdentity, signal: NodeJS.Signals) => Effect.Effect<SignalOutcome>;
}>()("codex-supervisor/Signals") {
  static readonly layer = Layer.effect(Signals, Effect.gen(function* () {
    const table = yield* ProcessTable;
    const send = Effect.fn("Signals.send")(function* (target: ProcessIdentity, signal: NodeJS.Signals) {
      if (!Number.isInteger(target.pid) || target.pid <= 1) {
        return { _tag: "Refused", reason: `pid ${target.pid} is never signalled` } as const;
      }
      const live = yield* table.status(target.pid).pipe(Effect.orElseSucceed(() => undefined));
      const verdict: IdentityVerdict = verifyIdentity(target, live, yield* table.bootId(), table.currentUid);
      if (!verdict.ok) {
        return verdict.reason === "gone" || verdict.reason === "zombie"
          ? ({ _tag: "Gone" } as const)
          : ({ _tag: "Refused", reason: verdict.reason } as const);
      }
      return yield* Effect.sync((): SignalOutcome => {
        try {
          process.kill(target.pid, signal);
          return { _tag: "Sent" };
        } catch (cause) {
          const code = (cause as NodeJS.ErrnoException).code;
          return code === "ESRCH" ? { _tag: "Gone" } : { _tag: "Refused", reason: code ?? String(cause) };
        }
      });
    });
    return Signals.of({ send });
  }));
}
