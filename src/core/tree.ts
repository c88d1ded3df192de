import { childrenIndex } from "./codex.ts";
import { JOB_MARKER } from "./job.ts";
import type { ProcessInfo } from "./process.ts";

/** Which job a stray process must prove it belongs to. */
export interface JobMarks {
  readonly jobId: string;
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
 * alone is a claim anyone can make, so it must also be ours by owner and time, and be
 * parented by an adopter, not by some live process of its own.
 */
export const couldBeStray = (p: ProcessInfo, parent: ProcessInfo | undefined, marks: JobMarks): boolean =>
  p.uid === marks.uid && p.pid > 1 && p.startedAt + 1000 >= marks.createdAt &&
  isAdoptedBy(p.ppid, parent);

/**
 * `couldBeStray`, and its environment carries the job's marker. Its thread does not matter:
 * what the shell snapshot's login shell starts has none, what a nested `codex exec` (a
 * sub-agent) starts has that Codex's own, and both are the job's.
 */
export const isStrayOfJob = (
  p: ProcessInfo,
  env: ReadonlyMap<string, string> | undefined,
  parent: ProcessInfo | undefined,
  marks: JobMarks,
): boolean =>
  couldBeStray(p, parent, marks) && env?.get(JOB_MARKER) === marks.jobId;

/**
 * Is `p`, a child of a member `parent`, the job's? A child of ours, yes. One of another
 * user (a tool that ran `setpriv`, `sudo -u`) too, when it started after its parent: forked
 * by it, not an older process some subreaper member adopted.
 */
export const isChildOfMember = (p: ProcessInfo, parent: ProcessInfo, uid: number): boolean =>
  p.uid === uid || p.startedAt >= parent.startedAt;

/**
 * The tree to end: the live roots, every descendant whatever its session (and, when
 * `isChildOfMember` proves it, whatever its owner), and strays that prove they are the
 * job's, with their own descendants.
 */
export const collectJobTree = (
  table: ReadonlyArray<ProcessInfo>,
  roots: ReadonlyArray<ProcessInfo>,
  strays: ReadonlyArray<ProcessInfo>,
  uid: number,
): ProcessInfo[] => {
  const members = new Map<number, ProcessInfo>();
  // Init (or PID 0) is never a member, nor a way in: below it is every process on the machine.
  for (const p of [...roots, ...strays]) if (p.pid > 1) members.set(p.pid, p);
  const children = childrenIndex(table);
  const queue = [...members.values()];
  for (let parent = queue.shift(); parent; parent = queue.shift()) {
    for (const child of children.get(parent.pid) ?? []) {
      if (child.pid <= 1 || members.has(child.pid) || !isChildOfMember(child, parent, uid)) continue;
      members.set(child.pid, child);
      queue.push(child);
    }
  }
  return [...members.values()];
};
