import { isNativeCodex } from "../../core/codex.ts";
import type { Job } from "../../core/job.ts";
import { type ProcessIdentity, type ProcessInfo, identityOf, verifyIdentity } from "../../core/process.ts";

/** What one snapshot says about one job's Codex processes. */
export interface JobSighting {
  readonly launcher: ProcessInfo | undefined;
  readonly native: ProcessInfo | undefined;
  /** A native seen for the first time (a child of the verified launcher): to be recorded. */
  readonly newNative: ProcessIdentity | undefined;
  /** Why a recorded PID is not the job's any more, when it is alive but another process. */
  readonly reused: ReadonlyArray<{ readonly pid: number; readonly reason: string }>;
}

const verified = (
  identity: ProcessIdentity | undefined,
  byPid: ReadonlyMap<number, ProcessInfo>,
  bootId: string,
  uid: number,
  reused: Array<{ pid: number; reason: string }>,
): ProcessInfo | undefined => {
  if (!identity) return undefined;
  const live = byPid.get(identity.pid);
  const verdict = verifyIdentity(identity, live, bootId, uid);
  if (verdict.ok) return live;
  if (live && (verdict.reason === "reused" || verdict.reason === "other-user")) reused.push({ pid: identity.pid, reason: verdict.reason });
  return undefined;
};

const NOTHING_SEEN: JobSighting = Object.freeze({ launcher: undefined, native: undefined, newNative: undefined, reused: Object.freeze([]) });

/**
 * Finds the job's launcher and native Codex in a snapshot by recorded identity only.
 * The native is adopted the first time it is seen as a child of the verified
 * launcher; after that its own recorded identity is what counts.
 */
export const sightJob = (
  job: Job,
  byPid: ReadonlyMap<number, ProcessInfo>,
  children: ReadonlyMap<number, ReadonlyArray<ProcessInfo>>,
  bootId: string,
  uid: number,
): JobSighting => {
  // most recorded jobs ended long ago: neither PID is in the table, and there is nothing to verify
  if (!byPid.has(job.launcher.pid) && (!job.native || !byPid.has(job.native.pid))) return NOTHING_SEEN;
  const reused: Array<{ pid: number; reason: string }> = [];
  const launcher = verified(job.launcher, byPid, bootId, uid, reused);
  let native = verified(job.native, byPid, bootId, uid, reused);
  let newNative: ProcessIdentity | undefined;
  if (!job.native && launcher) {
    native = (children.get(launcher.pid) ?? []).find(isNativeCodex);
    if (native) newNative = identityOf(native, bootId);
  }
  return { launcher, native, newNative, reused };
};

const NO_ROOTS: ReadonlyArray<ProcessInfo> = Object.freeze([]);

/** The job's Codex processes seen alive: launcher, then native. (Called once per recorded job by `list --all`.) */
export const liveRoots = (sighting: JobSighting): ReadonlyArray<ProcessInfo> => {
  const { launcher, native } = sighting;
  if (!launcher && !native) return NO_ROOTS;
  return launcher && native ? [launcher, native] : [(launcher ?? native)!];
};
