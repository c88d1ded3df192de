import * as Effect from "effect/Effect";
import { killJob, killResult } from "../app/jobs/kill.ts";
import { killTree } from "../app/jobs/killTree.ts";
import type { Observation } from "../app/jobs/observe.ts";
import { uncheckedText } from "../app/text/said.ts";
import { identityOf } from "../core/process.ts";
import type { Subject } from "../core/subject.ts";
import type { KillSummary } from "../hooks/types.ts";
import { JobStore } from "../services/JobStore.ts";
import { fn } from "../core/fn.ts";

/**
 * What verifying a kill may take beyond its grace: freezing the tree, SIGKILL and waiting for each
 * member to go (a process in D state is waited for), on a loaded machine.
 */
const KILL_VERIFY_MS = 15_000;

/** How long a policy's kill with this grace may run: what the action's deadline moves to, not the plugin timeout. */
export const killBudgetMs = (graceMs: number): number => graceMs + KILL_VERIFY_MS;

/**
 * The kill a policy's action gets: the same verified whole-tree kill as the CLI.
 * An untracked program has no job record: its roots are the PIDs seen in this
 * tick's snapshot, and Signals re-verifies each before every signal.
 */
export const killSubject = fn("killSubject")(function* (subject: Subject, obs: Observation, graceMs: number, policy: string) {
  if (subject.job) {
    // one try at recording: the watchdog's journal keeps its own events while the database fails
    const outcome = yield* killJob(subject.job, graceMs, { reason: `policy ${policy}`, recordWithinMs: 0 }).pipe(Effect.result);
    if (outcome._tag === "Failure") {
      const e = outcome.failure;
      const message = e._tag === "KillRefused" ? `refused: pid ${e.pid} ${e.reason}` : `kill failed: ${e._tag}`;
      return { result: "refused", processes: 0, survivors: [], message } satisfies KillSummary;
    }
    const { result, report } = outcome.success;
    return {
      result,
      processes: report?.members.length ?? 0,
      survivors: report?.survivors ?? [],
      message: `${result}: ${report?.members.length ?? 0} process(es) in ${report?.elapsedMs ?? 0} ms${uncheckedText(report?.unchecked)}`,
    } satisfies KillSummary;
  }
  const store = yield* JobStore;
  const roots = subject.pids.flatMap((pid) => {
    const p = obs.byPid.get(pid);
    return p ? [identityOf(p, obs.bootId)] : [];
  });
  const marks = { jobId: "untracked", threadId: subject.threadId, createdAt: subject.startedAt, uid: obs.uid };
  const report = yield* killTree(roots, marks, graceMs, obs);
  const result = killResult(report);
  // recorded after the signals, and a record that cannot be written does not undo the kill
  yield* store.appendEvent({
    pid: subject.pid, kind: "kill", policy, action: "kill",
    message: `policy ${policy}: ${result}, untracked ${subject.kind} pid ${subject.pid}, ${report.members.length} process(es)${uncheckedText(report.unchecked)}`,
    data: { members: report.members, survivors: report.survivors, unchecked: report.unchecked, subject: subject.key },
  }).pipe(Effect.ignore);
  return { result, processes: report.members.length, survivors: report.survivors, message: `${result}: ${report.members.length} process(es)${uncheckedText(report.unchecked)}` } satisfies KillSummary;
});
