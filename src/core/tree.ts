import { collectDescendants } from "./codex.ts";
import { JOB_MARKER } from "./job.ts";
import type { ProcessInfo } from "./process.ts";

/** Which job a stray process must prove it belongs to. */
export interface JobMarks {
  readonly jobId: string;
  readonly threadId: string | undefined;
  readonly createdAt: number;
  readonly uid: number;
}

const ADOPTERS = new Set(["systemd", "init", "launchd", "tini", "dumb-init"]);

/** Whoever adopts orphans: init, or a subreaper such as `systemd --user`. */
export const isAdoptedBy = (ppid: number, parent: ProcessInfo | undefined): boolean =>
  ppid <= 1 || !parent || ADOPTERS.has(parent.name);

/**
 * A process cut off from its job's tree (its parent died and it was reparented to
 * init or a subreaper) still carries the job's marker in its environment. A marker
 * alone is a claim anyone can make, so it must also be ours by owner, time and
 * thread, and be parented by an adopter, not by some live process of its own.
 */
export const couldBeStray = (p: ProcessInfo, parent: ProcessInfo | undefined, marks: JobMarks): boolean =>
  p.uid === marks.uid && p.pid > 1 && p.startedAt + 1000 >= marks.createdAt &&
  isAdoptedBy(p.ppid, parent);

/** `couldBeStray`, and its environment carries the job's marker (and thread, once known). */
export const isStrayOfJob = (
  p: ProcessInfo,
  env: ReadonlyMap<string, string> | undefined,
  parent: ProcessInfo | undefined,
  marks: JobMarks,
): boolean =>
  couldBeStray(p, parent, marks) &&
  env?.get(JOB_MARKER) === marks.jobId &&
  (!marks.threadId || env.get("CODEX_THREAD_ID") === marks.threadId);

/**
 * The tree to end: the live roots, every descendant whatever its session, and strays
 * that prove they are the job's, with their own descendants.
 */
export const collectJobTree = (
  table: ReadonlyArray<ProcessInfo>,
  roots: ReadonlyArray<ProcessInfo>,
  strays: ReadonlyArray<ProcessInfo>,
): ProcessInfo[] => {
  const members = new Map<number, ProcessInfo>();
  // Init (or PID 0) is never a member, nor a way in: below it is every process on the machine.
  for (const p of [...roots, ...strays]) if (p.pid > 1) members.set(p.pid, p);
  for (const p of collectDescendants(table, [...members.keys()])) members.set(p.pid, p);
  return [...members.values()].filter((p) => p.pid > 1);
};
