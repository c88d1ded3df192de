import * as Effect from "effect/Effect";
import type { LoadedConfig } from "../config/load.ts";
import type { ActionRef, PolicyConfig } from "../config/policies.ts";
import type { Observation } from "../app/jobs/observe.ts";
import { formatElapsed } from "../core/duration.ts";
import { firingKey, type PolicyMemory, retryDelayMs } from "../core/policy.ts";
import type { Subject } from "../core/subject.ts";
import { pluginErrorText, runAction } from "../hooks/host.ts";
import type { LoadedPlugins } from "../hooks/host.ts";
import type { KillSummary } from "../hooks/types.ts";
import { JobStore } from "../services/JobStore.ts";
import { parseDuration } from "../core/duration.ts";
import { killBudgetMs, killSubject } from "./kill.ts";
import type { Journal } from "./journal.ts";
import { fn } from "../core/fn.ts";

const label = (s: Subject) =>
  s.tracked ? `job ${s.key.slice(0, 8)}${s.name ? ` (${s.name})` : ""}` : `untracked ${s.kind} pid ${s.pid}`;

export const actionParts = (ref: ActionRef): [string, Record<string, unknown>] =>
  typeof ref === "string" ? [ref, {}] : [ref[0], ref[1]];

export interface Firing {
  readonly subject: Subject;
  readonly policy: PolicyConfig;
  readonly reasons: ReadonlyArray<string>;
  readonly config: LoadedConfig;
  readonly plugins: LoadedPlugins;
}

/** What firings share across ticks: where events go, and the kills still running per firing. */
export interface FiringCrew {
  readonly journal: Journal;
  /** Kills under way, by firing key: a try of a firing never starts while its previous try still runs. */
  readonly inflight: Map<string, Promise<unknown>>;
  /** Counts each action's outcome and each kill's result (watchdog/metrics). */
  readonly counts?: { readonly firing: (policy: string, action: string, done: boolean) => void; readonly kill: (result: string) => void };
}

/** Which firing of a policy this is: one ever, one per tick (`repeat: true`), or one per `repeat` window. */
export const firingOf = (policy: PolicyConfig, now: number): string =>
  policy.repeat === true ? `tick:${now}` : typeof policy.repeat === "number" ? `every:${Math.floor(now / policy.repeat)}` : "once";

/** This watchdog as a claim's owner: its pid and start time, so a reused pid is not taken for it. */
const ownerOf = (pid: number, obs: Observation) => `${pid}@${obs.byPid.get(pid)?.startTime ?? "?"}`;
const ownerAlive = (obs: Observation) => (owner: string) => {
  const at = owner.indexOf("@");
  const pid = Number(owner.slice(0, at));
  return obs.byPid.get(pid)?.startTime === owner.slice(at + 1);
};

const DEFAULT_KILL_GRACE_MS = parseDuration("5s")!;

/**
 * Claims the firing in the database before any action runs: a firing another live watchdog
 * claimed, or one already done, is left alone (and remembered as fired). A database that
 * cannot be written does not stop a firing: only one watchdog acts on a database (the lease),
 * so the claim is the second guard, not the first.
 */
const claim = fn("watchdog.claim")(function* (firing: Firing, obs: Observation, crew: FiringCrew, now: number) {
  const store = yield* JobStore;
  const key = { policy: firing.policy.name, subject: firing.subject.key, firing: firingOf(firing.policy, now) };
  const owner = ownerOf(process.pid, obs);
  const claimed = yield* store.claimFiring(key, owner, ownerAlive(obs)).pipe(Effect.result);
  if (claimed._tag === "Success") return { key, owner, act: claimed.success !== "taken" };
  yield* crew.journal.failed(claimed.failure);
  return { key, owner, act: true };
});

/**
 * Runs a policy's actions for one subject, in order, recording the decision and
 * each action. The policy counts as fired only when every action is done (a kill
 * is done when the tree is gone); otherwise it is tried again, on the next tick the
 * first time and then less and less often (see retryDelayMs). An action that cannot
 * pass on a retry (unknown, or options it refuses) is one error event and counts as over.
 */
export const fire = fn("watchdog.fire")(function* (firing: Firing, obs: Observation, memory: PolicyMemory, now: number, crew: FiringCrew) {
  const store = yield* JobStore;
  const { subject, policy, plugins } = firing;
  const { journal } = crew;
  // a plugin's kill runs outside this fiber: with what the kill needs, captured here
  const run = Effect.runPromiseWith(yield* Effect.context<Effect.Services<ReturnType<typeof killSubject>>>());
  const message = `${policy.name}: ${label(subject)} ${firing.reasons.join(", ")}`;
  const base = { jobId: subject.job?.id, pid: subject.pid, policy: policy.name };
  const key = firingKey(subject, policy);
  const claimed = yield* claim(firing, obs, crew, now);
  if (!claimed.act) {
    // another watchdog claimed it, or did it: not this one's to do
    memory.fired.set(key, now);
    return;
  }
  const attempts = (memory.failed.get(key)?.attempts ?? 0) + 1;
  const retry = retryDelayMs(attempts);
  const retryNote = `attempt ${attempts}; next try ${retry === 0 ? "on the next tick" : `in ${formatElapsed(retry)}`}`;
  yield* journal.append({ ...base, kind: "decision", message, data: { subject: subject.key, reasons: firing.reasons } });
  // the kill's own record may fail like any write: the journal has said so; the kill still counts
  const killOnce = (graceMs: number) => {
    const running: Promise<KillSummary> = run(killSubject(subject, obs, graceMs, policy.name));
    crew.inflight.set(key, running);
    const forget = () => { if (crew.inflight.get(key) === running) crew.inflight.delete(key); };
    running.then(forget, forget);
    running.then((summary) => crew.counts?.kill(summary.result), () => {});
    return running;
  };
  let allDone = true;
  let failedForGood = 0;
  for (const ref of policy.do) {
    const [action, actionOptions] = actionParts(ref);
    const outcome = yield* runAction(plugins, action, {
      subject,
      policy: { name: policy.name },
      actionOptions,
      message,
      kill: (o) => killOnce(o?.graceMs ?? DEFAULT_KILL_GRACE_MS),
    }, { killMs: (graceMs) => killBudgetMs(graceMs ?? DEFAULT_KILL_GRACE_MS) });
    for (const e of outcome.errors) {
      yield* journal.append({ ...base, kind: "error", action, message: pluginErrorText(e) });
    }
    if (outcome.permanent) {
      // No retry can pass (an unknown action, options it refuses): said once, and the firing is over.
      failedForGood++;
      yield* journal.append({ ...base, kind: "error", action, message: `${action}: ${outcome.result.message ?? "failed"} (not retried: fix the config)`, data: { done: false, permanent: true, subject: subject.key } });
      continue;
    }
    const done = outcome.result?.done ?? false;
    crew.counts?.firing(policy.name, action, done);
    allDone &&= done;
    const said = outcome.result?.message ?? (done ? "done" : "not done");
    yield* journal.append({ ...base, kind: "action", action, message: `${action}: ${said}${done ? "" : ` (${retryNote})`}`, data: { done, subject: subject.key, ...(done ? {} : { attempt: attempts, retryInMs: retry }) } });
  }
  if (!allDone) memory.failed.set(key, { attempts, at: now });
  else {
    memory.failed.delete(key);
    memory.fired.set(key, now);
    const finished = yield* store.finishFiring(claimed.key, claimed.owner).pipe(Effect.result);
    if (finished._tag === "Failure") yield* journal.failed(finished.failure);
    const note = failedForGood > 0 ? ` (${failedForGood} action(s) failed for good)` : "";
    yield* journal.append({ ...base, kind: "fired", message: `${policy.name} done for ${label(subject)}${note}`, data: { subject: subject.key } });
  }
});
