/** Reading and ending processes, for the bench's own bookkeeping (Linux /proc). */
import { mkdirSync, readdirSync, readFileSync, rmdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";

const CLK_TCK = 100;
const PAGE = 4096;

export interface ProcStat {
  readonly pid: number;
  readonly ppid: number;
  readonly state: string;
  /** utime + stime, milliseconds. */
  readonly cpuMs: number;
  /** cutime + cstime: CPU of the children it has waited for, milliseconds. */
  readonly childCpuMs: number;
  readonly rssBytes: number;
  readonly startTicks: string;
}

/** A /proc stat file (a process's, or one thread's under /proc/PID/task), parsed; undefined when gone. */
const readStat = (path: string, pid: number): (ProcStat & { readonly name: string }) | undefined => {
  let text: string;
  try { text = readFileSync(path, "latin1"); } catch { return undefined; }
  const f = text.slice(text.lastIndexOf(")") + 2).split(" ");
  return {
    pid,
    name: text.slice(text.indexOf("(") + 1, text.lastIndexOf(")")),
    ppid: Number(f[1]),
    state: f[0] ?? "?",
    cpuMs: ((Number(f[11]) + Number(f[12])) / CLK_TCK) * 1000,
    childCpuMs: ((Number(f[13]) + Number(f[14])) / CLK_TCK) * 1000,
    rssBytes: Number(f[21]) * PAGE,
    startTicks: f[19] ?? "",
  };
};

export const procStat = (pid: number): ProcStat | undefined => readStat(`/proc/${pid}/stat`, pid);

/** The ids of `pid`'s live threads; undefined once it is gone. */
export const threadIds = (pid: number): string[] | undefined => {
  try { return readdirSync(`/proc/${pid}/task`); } catch { return undefined; }
};

/** The name (comm) of each live thread of `pid`, by thread id. */
export const threadNames = (pid: number): Map<string, string> => {
  const out = new Map<string, string>();
  for (const tid of threadIds(pid) ?? []) {
    try { out.set(tid, readFileSync(`/proc/${pid}/task/${tid}/comm`, "latin1").trim()); } catch {} // ended meanwhile
  }
  return out;
};

/** CPU ms of each live thread of `pid`, summed by thread name (numbered names like "JITWorker3" as one). */
export const threadCpuMs = (pid: number): Map<string, number> => {
  const out = new Map<string, number>();
  for (const tid of threadIds(pid) ?? []) {
    const t = readStat(`/proc/${pid}/task/${tid}/stat`, Number(tid));
    if (!t) continue; // ended meanwhile
    const name = t.name.replace(/\d+$/, "N");
    out.set(name, (out.get(name) ?? 0) + t.cpuMs);
  }
  return out;
};

/** On-CPU time of each live thread of `pid` (/proc/PID/task/TID/schedstat: nanoseconds), by thread id. */
const threadCpuNs = (pid: number): Map<string, number> | undefined => {
  const tids = threadIds(pid);
  if (!tids) return undefined;
  const out = new Map<string, number>();
  for (const tid of tids) {
    try {
      out.set(tid, Number(readFileSync(`/proc/${pid}/task/${tid}/schedstat`, "latin1").split(" ")[0]));
    } catch {} // ended meanwhile
  }
  return out;
};

/**
 * A process's CPU time, to difference over a window: to the nanosecond from its threads'
 * schedstat, and from /proc/PID/stat (utime + stime, in 10 ms ticks, exited threads included).
 */
export interface CpuMark {
  readonly threads: Map<string, number> | undefined;
  readonly statMs: number;
}

export const cpuMark = (pid: number): CpuMark => ({ threads: threadCpuNs(pid), statMs: procStat(pid)?.cpuMs ?? Number.NaN });

/**
 * CPU milliseconds between two marks of one process. An idle daemon uses a few 10 ms ticks a
 * minute, so counting in ticks would make its figure a multiple of 0.3 CPU s/h over two minutes:
 * the threads' nanoseconds are used when every thread of the first mark is still there (one that
 * exited took its time with it), else the ticks. `precise` says which.
 */
export const cpuBetween = (a: CpuMark, b: CpuMark): { ms: number; precise: boolean } => {
  if (a.threads && b.threads && [...a.threads.keys()].every((tid) => b.threads!.has(tid))) {
    let ns = 0;
    for (const [tid, end] of b.threads) ns += end - (a.threads.get(tid) ?? 0);
    return { ms: ns / 1e6, precise: true };
  }
  return { ms: b.statMs - a.statMs, precise: false };
};

/**
 * Resident memory from /proc/PID/status, bytes: all of it (VmRSS, what `ps` and `top` show), and
 * the anonymous part (RssAnon: heaps and stacks, what the process itself holds; the rest is
 * pages of files such as its executable, which the page cache keeps and shares).
 */
export const memoryOf = (pid: number): { rss: number; anon: number } | undefined => {
  const fields = statusKb(pid, ["VmRSS", "RssAnon"]);
  return fields?.VmRSS === undefined ? undefined : { rss: fields.VmRSS, anon: fields.RssAnon ?? Number.NaN };
};

/** Fields of /proc/PID/status given in kB, in bytes (a field not there is left out); undefined when unreadable. */
export const statusKb = <K extends string>(pid: number | "self", keys: ReadonlyArray<K>): Partial<Record<K, number>> | undefined => {
  let status: string;
  try {
    status = readFileSync(`/proc/${pid}/status`, "latin1");
  } catch {
    return undefined;
  }
  const out: Partial<Record<K, number>> = {};
  for (const key of keys) {
    const kb = new RegExp(`^${key}:\\s+(\\d+) kB`, "m").exec(status)?.[1];
    if (kb !== undefined) out[key] = Number(kb) * 1024;
  }
  return out;
};

/** Resident set from /proc/PID/status (VmRSS), bytes. */
export const rssOf = (pid: number): number | undefined => memoryOf(pid)?.rss;

export const isGone = (pid: number, startTicks?: string): boolean => {
  const s = procStat(pid);
  return !s || s.state === "Z" || (startTicks !== undefined && s.startTicks !== startTicks);
};

export const allPids = (): number[] =>
  readdirSync("/proc").flatMap((d) => (d.charCodeAt(0) >= 48 && d.charCodeAt(0) <= 57 ? [Number(d)] : []));

/** PIDs whose environment holds `KEY=value` (this process excluded). */
export const pidsWithEnv = (key: string, value: string): number[] => {
  const needle = `\0${key}=${value}\0`;
  return allPids().filter((pid) => {
    if (pid === process.pid) return false;
    try { return `\0${readFileSync(`/proc/${pid}/environ`, "latin1")}`.includes(needle); } catch { return false; }
  });
};

/** Descendants of each root (by parent PID), the roots included, from one reading of /proc. */
export const treePids = (...roots: number[]): number[] => {
  const children = new Map<number, number[]>();
  for (const pid of allPids()) {
    const s = procStat(pid);
    if (!s || s.state === "Z") continue;
    const list = children.get(s.ppid);
    if (list) list.push(pid);
    else children.set(s.ppid, [pid]);
  }
  const out: number[] = [];
  const queue = [...roots];
  while (queue.length > 0) {
    const pid = queue.shift()!;
    out.push(pid);
    queue.push(...(children.get(pid) ?? []));
  }
  return out;
};

/** Every process (this one excluded) whose environment sets `KEY`, with the value. */
export const envValues = (key: string): Array<{ pid: number; value: string }> => {
  const prefix = `${key}=`;
  return allPids().flatMap((pid) => {
    if (pid === process.pid) return [];
    try {
      const entry = readFileSync(`/proc/${pid}/environ`, "latin1").split("\0").find((e) => e.startsWith(prefix));
      return entry ? [{ pid, value: entry.slice(prefix.length) }] : [];
    } catch {
      return [];
    }
  });
};

/** SIGKILLs (after SIGCONT) every process carrying `KEY=value` until none is left. */
export const killByEnv = async (key: string, value: string): Promise<number> => {
  let killed = 0;
  for (let round = 0; round < 50; round++) {
    const pids = pidsWithEnv(key, value).filter((pid) => !isGone(pid));
    if (pids.length === 0) break;
    for (const pid of pids) {
      try { process.kill(pid, "SIGKILL"); killed++; } catch { /* gone already */ }
    }
    await Bun.sleep(20);
  }
  return killed;
};

/**
 * Polls until every PID is gone (or a zombie); when that happened, by performance.now(), or
 * undefined on timeout. Each poll reads only up to the first PID still alive: all are gone only
 * once that one is, and the rest are read then, in the same poll. Reading all 50 of a tree every
 * 2 ms took ~25,000 reads a second from the two cores the kill being timed runs on.
 */
export const waitGone = async (pids: ReadonlyArray<{ pid: number; startTicks: string }>, timeoutMs: number, pollMs = 2): Promise<number | undefined> => {
  const deadline = performance.now() + timeoutMs;
  const left = [...pids];
  while (performance.now() < deadline) {
    while (left.length > 0 && isGone(left[0]!.pid, left[0]!.startTicks)) left.shift();
    if (left.length === 0) return performance.now();
    await Bun.sleep(pollMs);
  }
  return undefined;
};

/**
 * A process's CPU from here on, exited threads included, to the nanosecond: it is moved into a
 * cgroup of its own (v1 cpuacct, or v2), whose usage counts every thread it has or starts.
 * Needs a writable cgroup hierarchy (root, here); undefined without one. `read` gives ms so far;
 * `members` the processes in the group; `close` moves them back and removes the group (again is
 * a no-op).
 */
export const cpuGroup = (pid: number): { readonly read: () => number; readonly members: () => number[]; readonly close: () => void } | undefined => {
  const name = `cs-bench-${process.pid}-${pid}`;
  const kinds = [
    { root: "/sys/fs/cgroup/cpuacct", usage: (dir: string) => Number(readFileSync(join(dir, "cpuacct.usage"), "latin1")) / 1e6 },
    { root: "/sys/fs/cgroup/unified", usage: (dir: string) => Number(/usage_usec (\d+)/.exec(readFileSync(join(dir, "cpu.stat"), "latin1"))?.[1]) / 1e3 },
    { root: "/sys/fs/cgroup", usage: (dir: string) => Number(/usage_usec (\d+)/.exec(readFileSync(join(dir, "cpu.stat"), "latin1"))?.[1]) / 1e3 },
  ];
  for (const kind of kinds) {
    const dir = join(kind.root, name);
    try {
      mkdirSync(dir);
    } catch {
      continue;
    }
    const members = (): number[] => {
      try { return readFileSync(join(dir, "cgroup.procs"), "latin1").split("\n").filter(Boolean).map(Number); } catch { return []; }
    };
    try {
      writeFileSync(join(dir, "cgroup.procs"), String(pid));
      const start = kind.usage(dir);
      if (!Number.isFinite(start)) throw new Error("no usage");
      return {
        read: () => kind.usage(dir) - start,
        members,
        close: () => {
          // Everything still in the group goes back: the process, and any child it forked that is
          // still alive (PM2's daemon runs `df` every 30 s); only what the group holds, so a PID
          // reused by someone else's process is never moved. A group whose last process is exiting
          // stays busy for a moment, so removing it is tried again for up to a second.
          for (let attempt = 0; attempt < 50; attempt++) {
            for (const member of members()) {
              try { writeFileSync(join(kind.root, "cgroup.procs"), String(member)); } catch {} // gone meanwhile
            }
            try {
              rmdirSync(dir);
              return;
            } catch (e) {
              if ((e as NodeJS.ErrnoException).code === "ENOENT") return; // closed already
              Bun.sleepSync(20);
            }
          }
          console.error(`bench: could not remove the cgroup ${dir}`);
        },
      };
    } catch {
      try { rmdirSync(dir); } catch {}
    }
  }
  return undefined;
};

/**
 * A process's CPU over a window from now: from a cgroup of its own where one can be made (every
 * thread, to the nanosecond), else from its threads' schedstat or its ticks (see cpuBetween).
 * `close` the meter once read, or on the way out: it leaves no cgroup behind.
 */
export const cpuMeter = (pid: number) => {
  const mark = cpuMark(pid);
  const first = procStat(pid);
  const group = cpuGroup(pid);
  return {
    /** How it counts: "cgroup", or "threads" (schedstat, falling back to ticks). */
    source: group ? "cgroup" as const : "threads" as const,
    read: (): { ms: number; precise: boolean } => (group ? { ms: group.read(), precise: true } : cpuBetween(mark, cpuMark(pid))),
    /**
     * Where the CPU went, in 10 ms ticks from /proc/PID/stat: the process's own threads, and the
     * children it forked and waited for in the window; with a cgroup, the processes in it besides
     * this one (children it forked that are still alive, whose CPU the group counts too).
     */
    split: () => {
      const last = procStat(pid);
      return {
        ownMs: (last?.cpuMs ?? Number.NaN) - (first?.cpuMs ?? Number.NaN),
        reapedChildrenMs: (last?.childCpuMs ?? Number.NaN) - (first?.childCpuMs ?? Number.NaN),
        others: group ? group.members().filter((p) => p !== pid) : [],
      };
    },
    close: () => group?.close(),
  };
};
