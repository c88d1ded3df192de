import * as Context from "effect/Context";
import * as Effect from "effect/Effect";
import type { LoadedConfig } from "../config/load.ts";
import type { ActionRef, PolicyConfig } from "../config/policies.ts";
import type { Observation } from "../core/jobs/refresh.ts";
import { formatElapsed } from "../core/duration.ts";
import { firingKey, type PolicyMemory, retryDelayMs } from "../core/policy.ts";
import type { Subject } from "../core/subject.ts";
import { runAction } from "../hooks/host.ts";
import type { LoadedPlugins } from "../hooks/host.ts";
import { JobStore } from "../services/JobStore.ts";
import { parseDuration } from "../core/duration.ts";
import { killSubject } from "./kill.ts";
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

/**
 * Runs a policy's actions for one subject, in order, recording the decision and
 * each action. The policy counts as fired only when every action is done (a kill
 * is done when the tree is gone); otherwise it is tried again, on the next tick the
 * first time and then less and less often (see retryDelayMs).
 */
export const fire = fn("watchdog.fire")(function* (firing: Firing, obs: Observation, memory: PolicyMemory, now: number) {
  const store = yield* JobStore;
  const { subject, policy, plugins } = firing;
  const context = yield* Effect.context<JobStore>();
  const run = Effect.runPromiseWith(context as Context.Context<never>);
  const message = `${policy.name}: ${label(subject)} ${firing.reasons.join(", ")}`;
  const base = { jobId: subject.job?.id, pid: subject.pid, policy: policy.name };
  const key = firingKey(subject, policy);
  const attempts = (memory.failed.get(key)?.attempts ?? 0) + 1;
  const retry = retryDelayMs(attempts);
  const retryNote = `attempt ${attempts}; next try ${retry === 0 ? "on the next tick" : `in ${formatElapsed(retry)}`}`;
  yield* store.appendEvent({ ...base, kind: "decision", message, data: { subject: subject.key, reasons: firing.reasons } });
  let allDone = true;
  for (const ref of policy.do) {
    const [action, actionOptions] = actionParts(ref);
    const outcome = yield* runAction(plugins, action, {
      subject,
      policy: { name: policy.name },
      actionOptions,
      message,
      kill: (o) => run(killSubject(subject, obs, o?.graceMs ?? parseDuration("5s")!, policy.name) as never),
    });
    for (const e of outcome.errors) {
      yield* store.appendEvent({ ...base, kind: "error", action, message: `plugin ${e.plugin} ${e.hook} failed: ${String(e.cause instanceof Error ? e.cause.message : e.cause)}` });
    }
    const done = outcome.result?.done ?? false;
    allDone &&= done;
    const said = outcome.result?.message ?? (done ? "done" : "not done");
    yield* store.appendEvent({ ...base, kind: "action", action, message: `${action}: ${said}${done ? "" : ` (${retryNote})`}`, data: { done, subject: subject.key, ...(done ? {} : { attempt: attempts, retryInMs: retry }) } });
  }
  if (!allDone) memory.failed.set(key, { attempts, at: now });
  else {
    memory.failed.delete(key);
    memory.fired.set(key, now);
    yield* store.appendEvent({ ...base, kind: "fired", message: `${policy.name} done for ${label(subject)}`, data: { subject: subject.key } });
  }
});
