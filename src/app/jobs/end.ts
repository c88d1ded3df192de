import * as Effect from "effect/Effect";
import type { Job } from "../../core/job.ts";
import type { ProcessInfo } from "../../core/process.ts";
import { WAITER_DIR_ARG } from "../../core/waiter.ts";
import type { RolloutSummary } from "../../services/CodexHistory.ts";
import { type ExitRecord, readExit } from "../../services/jobFiles.ts";
import { fn } from "../../core/fn.ts";

/** When and how a job whose processes are all gone ended. */
export interface JobEnd {
  readonly at: number;
  readonly exitCode: number | undefined;
}

// The waiter writes the exit status within a millisecond of reaping Codex; this bounds the wait for
// one that was seen alive but is stopped, or slow on a loaded machine. A waiter not seen is not waited for.
const WAITER_GRACE_MS = 2000;
const POLL_MS = 5;

const waiterSeen = (table: ReadonlyArray<ProcessInfo>, dir: string, uid: number) =>
  table.some((p) => p.argv[WAITER_DIR_ARG] === dir && p.uid === uid && p.state !== "Z");

/**
 * The real end of a job that nothing of runs any more. The waiting parent's `exit` file holds
 * Codex's exit status, and its mtime the moment Codex exited: that is the end, however late the
 * supervisor looks. Without one (a job of an older version, a waiter killed with it), the history's
 * final record marks a turn that finished, and the moment of this look anything else.
 */
export const jobEnd = fn("jobEnd")(function* (
  job: Job,
  dir: string,
  observed: { readonly at: number; readonly table: ReadonlyArray<ProcessInfo>; readonly uid: number; readonly bootId: string },
  summary: RolloutSummary | undefined,
) {
  let exit: ExitRecord = yield* Effect.sync(() => readExit(dir));
  if (exit._tag === "Pending" && job.launcher.bootId === observed.bootId && waiterSeen(observed.table, dir, observed.uid)) {
    const deadline = Date.now() + WAITER_GRACE_MS;
    while (exit._tag === "Pending" && Date.now() < deadline) {
      yield* Effect.sleep(POLL_MS);
      exit = yield* Effect.sync(() => readExit(dir));
    }
  }
  const finished = summary && (summary.state === "completed" || summary.state === "aborted") && summary.lastActivityAt
    ? Date.parse(summary.lastActivityAt)
    : undefined;
  if (exit._tag === "Exited") {
    // a native Codex that outlived its launcher (the launcher SIGKILLed by hand) wrote on after the waiter's end
    return { at: Math.max(exit.at, finished ?? 0), exitCode: exit.code } satisfies JobEnd;
  }
  return { at: finished !== undefined && finished <= observed.at ? finished : observed.at, exitCode: undefined } satisfies JobEnd;
});
