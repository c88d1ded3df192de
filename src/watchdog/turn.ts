import * as Effect from "effect/Effect";
import type { JobStoreService } from "../services/JobStore.ts";
import { type Lease, tryLease } from "./lease.ts";

/**
 * Whether it is this watchdog's turn to act, and on which file. Only one watchdog acts on a
 * database: the one holding the lease (an flock beside it). Another one stands by, says so
 * with the holder's pid, and takes over when the holder stops, however it stops; standing by
 * rather than refusing lets `service restart` start the new one while the old one ends.
 * Each tick it also notices a database file removed or replaced under it, and reopens it.
 */
export const makeTurn = (store: JobStoreService, say: (line: string) => void, adopt: Effect.Effect<void>, standsBy: boolean) => {
  let lease: Lease | undefined;
  let waitingOn: { readonly pid: number | undefined } | undefined;
  let reopenFailure: string | undefined;

  /** Undefined while this watchdog acts (holds the lease); else the pid of the one that does. */
  const ours = Effect.gen(function* () {
    if (lease?.current()) return undefined;
    lease?.release();
    lease = undefined;
    const attempt = yield* Effect.try(() => tryLease(store.path)).pipe(Effect.result);
    // no lock file can be made (the directory went a moment ago): act; the firing claims still guard
    if (attempt._tag === "Failure") return undefined;
    if (attempt.success._tag === "Held") {
      lease = attempt.success.lease;
      if (waitingOn) say(`watchdog pid ${waitingOn.pid ?? "unknown"} has stopped: this one (pid ${process.pid}) now acts on ${store.path}`);
      waitingOn = undefined;
      yield* adopt;
      return undefined;
    }
    const holder = attempt.success.holder;
    if (!waitingOn || waitingOn.pid !== holder) {
      say(`another watchdog (pid ${holder ?? "unknown"}) acts on ${store.path}${standsBy ? ": standing by, to take over when it stops" : ""}`);
    }
    waitingOn = { pid: holder };
    return waitingOn;
  });

  /** Reopens the database when its path names another file (or none) than the open one; whether it did. */
  const reopenIfReplaced = Effect.gen(function* () {
    if (!store.replaced()) return false;
    const reopened = yield* store.reopen().pipe(Effect.result);
    if (reopened._tag === "Failure") {
      const text = String(reopened.failure.cause);
      if (text !== reopenFailure) say(`database ${store.path} was removed or replaced, and opening it again failed: ${text}`);
      reopenFailure = text;
      return false;
    }
    reopenFailure = undefined;
    say(`database ${store.path} was removed or replaced: reopened it`);
    return true;
  });

  return { ours, reopenIfReplaced, release: () => lease?.release() };
};
