import * as Effect from "effect/Effect";
import type { Job } from "../../core/job.ts";
import { JobStore } from "../../services/JobStore.ts";
import { fn } from "../../core/fn.ts";

/** Who killed a job and why, from its recorded events. */
export interface Killer {
  /** Who asked for the kill: `kill command`, `policy NAME`, `MCP codex_kill`, `kill (API)`. */
  readonly by: string | undefined;
  /** Why, when a policy did: the reasons its decision gave (`ran 46m (over 45m)`). */
  readonly why: string | undefined;
}

// A kill event's message starts with who asked: `${reason}: killed, 3 process(es), …` (jobs/kill.ts).
const KILL_REASON = /^(.*?): (killed|survivors|already-gone)\b/;

const NOBODY: Killer = { by: undefined, why: undefined };

// how long a kill in another process may take, from its request to its recorded event (grace and the record's retries)
const KILL_RECORD_WAIT_MS = 15_000;

/**
 * Whether who killed `job` may still be told: a look (this process's refresh) can see the tree gone,
 * and the job killed, before the kill that asked for it — another process — has recorded its event.
 * While that kill's request is recent, its event is worth waiting for.
 */
export const killRecordPending = (job: Job, killer: Killer, now: number): boolean =>
  job.status === "killed" && killer.by === undefined && job.killRequestedAt !== undefined && now - job.killRequestedAt < KILL_RECORD_WAIT_MS;

/** Who asked for the kill that ended `job` (nobody when it was not killed), and a policy's reasons. */
export const killerOf = fn("killerOf")(function* (job: Job) {
  if (job.status !== "killed") return NOBODY;
  const events = [...yield* (yield* JobStore).listEvents({ jobId: job.id, limit: 50 })].sort((a, b) => b.id - a.id);
  const kill = events.find((e) => e.kind === "kill" && KILL_REASON.test(e.message));
  const by = kill ? KILL_REASON.exec(kill.message)![1] : undefined;
  const policy = by?.startsWith("policy ") ? by.slice("policy ".length) : undefined;
  const decision = policy === undefined ? undefined : events.find((e) => e.kind === "decision" && e.policy === policy);
  const reasons = (decision?.data as { reasons?: unknown } | undefined)?.reasons;
  const why = Array.isArray(reasons) && reasons.every((r) => typeof r === "string") ? reasons.join(", ") : undefined;
  return { by, why } satisfies Killer;
}, Effect.orElseSucceed(() => NOBODY));
