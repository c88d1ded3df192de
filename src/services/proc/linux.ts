import { closeSync, openSync, readdirSync, readFileSync, readlinkSync, readSync, statSync } from "node:fs";
import { execFileSync } from "node:child_process";
import type { Counters, ProcessInfo, ProcessStatus } from "../../core/process.ts";

// Read straight from /proc: one snapshot costs a few syscalls per process and
// spawns nothing, which is what keeps `list` and the watchdog tick cheap.

const sysconf = (name: string, fallback: number): number => {
  try {
    return Number(execFileSync("getconf", [name], { encoding: "utf8" }).trim()) || fallback;
  } catch {
    return fallback;
  }
};

const AT_PAGESZ = 6;
const AT_CLKTCK = 17;

/**
 * The page size and clock tick the kernel handed this process at exec (its auxiliary vector:
 * pairs of 64-bit type and value). Reading them costs one small read; asking `getconf` cost
 * two process spawns, ~8 ms of every command's start.
 */
export const auxvConstants = (auxv: Uint8Array): { clkTck?: number; pageSize?: number } => {
  const view = new DataView(auxv.buffer, auxv.byteOffset, auxv.byteLength);
  const out: { clkTck?: number; pageSize?: number } = {};
  for (let at = 0; at + 16 <= auxv.byteLength; at += 16) {
    const type = Number(view.getBigUint64(at, true));
    const value = Number(view.getBigUint64(at + 8, true));
    if (type === 0) break;
    if (type === AT_PAGESZ) out.pageSize = value;
    if (type === AT_CLKTCK) out.clkTck = value;
  }
  return out;
};

let constants: { clkTck: number; pageSize: number; bootTimeMs: number } | undefined;
const linuxConstants = () => {
  if (!constants) {
    const btime = /^btime (\d+)$/m.exec(readFileSync("/proc/stat", "utf8"));
    let aux: { clkTck?: number; pageSize?: number } = {};
    try {
      aux = auxvConstants(readFileSync("/proc/self/auxv"));
    } catch {}
    constants = {
      clkTck: aux.clkTck || sysconf("CLK_TCK", 100),
      pageSize: aux.pageSize || sysconf("PAGESIZE", 4096),
      bootTimeMs: Number(btime?.[1] ?? 0) * 1000,
    };
  }
  return constants;
};

export const linuxBootId = (): string => readFileSync("/proc/sys/kernel/random/boot_id", "utf8").trim();

/** Parses /proc/PID/stat; the command name may hold spaces and parentheses, so split after the last ')'. */
export const parseStat = (text: string): { name: string; fields: ReadonlyArray<string> } | undefined => {
  const open = text.indexOf("(");
  const close = text.lastIndexOf(")");
  if (open < 0 || close < open) return undefined;
  return { name: text.slice(open + 1, close), fields: text.slice(close + 2).trim().split(" ") };
};

const readArgv = (pid: number): string[] => {
  try {
    const raw = readFileSync(`/proc/${pid}/cmdline`, "utf8");
    return raw.length === 0 ? [] : raw.replace(/\0$/, "").split("\0");
  } catch {
    return []; // a process that just exited, or one we may not read: keep the stat facts
  }
};

/** A process's argv as last read, with the exec it was read from. */
interface ArgvEntry {
  readonly exec: string;
  readonly argv: string[];
}

const PF_KTHREAD = 0x00200000;

/**
 * Which exec of a process this is: its start time, its name, and where the kernel put its
 * argv (fields 48-49, placed anew, at a random address, by every exec). Undefined when the
 * kernel hides those addresses (another user's process): its argv is then read every time.
 */
const execOf = (name: string, f: ReadonlyArray<string>): string | undefined => {
  const argStart = f[45];
  return argStart && argStart !== "0" ? `${f[19]}\0${name}\0${argStart}\0${f[46]}` : undefined;
};

/** A process's status from its /proc/PID/stat line (and, but for kernel threads, the owner of /proc/PID). */
const statusFrom = (pid: number, stat: { name: string; fields: ReadonlyArray<string> }, kernelThread: boolean): ProcessStatus => {
  const f = stat.fields; // f[0] is field 3 (state) of proc(5)
  const { clkTck, pageSize, bootTimeMs } = linuxConstants();
  const startTicks = f[19] ?? "0";
  return {
    pid,
    ppid: Number(f[1]),
    pgid: Number(f[2]),
    sid: Number(f[3]),
    uid: kernelThread ? 0 : statSync(`/proc/${pid}`).uid,
    startTime: startTicks,
    startedAt: Math.round(bootTimeMs + (Number(startTicks) / clkTck) * 1000),
    state: f[0] ?? "?",
    name: stat.name,
    rssBytes: Number(f[21] ?? 0) * pageSize,
    cpuTimeMs: ((Number(f[11] ?? 0) + Number(f[12] ?? 0)) / clkTck) * 1000,
  };
};

const isKernelThread = (fields: ReadonlyArray<string>) => (Number(fields[6] ?? 0) & PF_KTHREAD) !== 0;

/**
 * One process from /proc. With `argvCache`, a process already read in the same exec keeps
 * the argv read then (a process's command line only changes by exec): a snapshot then
 * costs one read of /proc/PID/stat and a stat for most processes, not three reads.
 * Kernel threads have no command line and belong to root: nothing more is read for them.
 */
const readProcess = (pid: number, argvCache?: Map<number, ArgvEntry>, statLine?: string): ProcessInfo | undefined => {
  try {
    const stat = parseStat(statLine ?? readFileSync(`/proc/${pid}/stat`, "latin1"));
    if (!stat) return undefined;
    const kernelThread = isKernelThread(stat.fields);
    let argv: string[] = [];
    if (!kernelThread) {
      const exec = argvCache ? execOf(stat.name, stat.fields) : undefined;
      const cached = exec === undefined ? undefined : argvCache?.get(pid);
      if (cached && cached.exec === exec) argv = cached.argv;
      else {
        argv = readArgv(pid);
        if (exec !== undefined && argv.length > 0) argvCache?.set(pid, { exec, argv });
      }
    }
    return Object.assign(statusFrom(pid, stat, kernelThread), { argv });
  } catch {
    return undefined;
  }
};

/** A fresh read of one process, its command line included: nothing cached. */
export const readLinuxProcess = (pid: number): ProcessInfo | undefined => readProcess(pid);

/**
 * A fresh read of one process's status, without its command line: reading /proc/PID/cmdline
 * goes through the target's memory map and is most of what a full read costs, and an identity
 * check before a signal does not need it.
 */
export const readLinuxStatus = (pid: number): ProcessStatus | undefined => {
  try {
    const stat = parseStat(readFileSync(`/proc/${pid}/stat`, "latin1"));
    return stat ? statusFrom(pid, stat, isKernelThread(stat.fields)) : undefined;
  } catch {
    return undefined;
  }
};

/** Where the kernel's PID allocation stands: the newest PID (or thread id) handed out, and tasks created since boot. */
export interface Watermark {
  readonly lastPid: number;
  readonly forks: number;
  /** Tasks (threads included) alive now. */
  readonly tasks: number;
}

const EXIT_SIGNAL = 35; // field 38 of proc(5): -1 for a thread, which is not a process of its own

/** More creations than this between two looks, and a full snapshot is cheaper than probing each. */
export const MAX_PROBED = 2048;

const Z = 0x5a; // "Z", a zombie's state

/** The fields of a /proc/PID/stat line a quiet tick needs, numbered as in proc(5). */
interface StatCounters { state: number; ppid: number; utime: number; stime: number; rss: number }

/**
 * Parses the fields of a /proc/PID/stat line a quiet tick needs into `into`, from the bytes
 * in place: no string of the line, no array of its 52 fields. Numbered as in proc(5): 3 state
 * (its byte), 4 ppid, 14 utime, 15 stime, 22 starttime, 24 rss. False when the line is not the
 * process started at `startTicks`.
 */
const statCounters = (buf: Buffer, length: number, startTicks: number, into: StatCounters): boolean => {
  let at = buf.lastIndexOf(0x29, length) + 2; // past the ')' closing the command name, and a space
  if (at < 2) return false;
  into.state = buf[at]!;
  let started = false;
  for (let field = 4, value = 0, i = at + 2; field <= 24 && i < length; i++) {
    const c = buf[i]!;
    if (c !== 0x20) {
      value = value * 10 + c - 48;
      continue;
    }
    if (field === 4) into.ppid = value;
    else if (field === 14) into.utime = value;
    else if (field === 15) into.stime = value;
    else if (field === 22) started = value === startTicks;
    else if (field === 24) into.rss = value;
    field++;
    value = 0;
  }
  return started;
};

/**
 * What reads of /proc keep between calls, owned by whoever made it (the ProcessTable layer, which
 * closes it with its scope): the argv of each exec already read, descriptors held on /proc/loadavg
 * and /proc/stat and on the /proc/PID/stat of every process followed, and the scratch buffers.
 */
export const linuxProc = () => {
  const snapshotArgv = new Map<number, ArgvEntry>();
  const held = new Map<string, number>();
  const counterBuf = Buffer.alloc(65536);
  /**
   * Open /proc/PID/stat descriptors of the processes being followed. A descriptor stays bound to
   * the process it was opened on: once that process is reaped, reads fail, even when its PID
   * already names another. So a read through one is both a fresh counter and an identity check,
   * and costs a quarter of opening the file anew (`bun bench/tools/tick-cost.ts`).
   */
  const followed = new Map<number, { readonly fd: number; readonly startTime: string; readonly startTicks: number }>();
  const statBuf = Buffer.alloc(4096);
  /** Where the last statCounters read put its fields (one scratch object: reading a process allocates nothing). */
  const counters: StatCounters = { state: 0, ppid: 0, utime: 0, stime: 0, rss: 0 };
  let pidMax: number | undefined;

  const snapshot = (): ProcessInfo[] => {
    const out: ProcessInfo[] = [];
    for (const entry of readdirSync("/proc")) {
      const c = entry.charCodeAt(0);
      if (c < 48 || c > 57) continue;
      const info = readProcess(Number(entry), snapshotArgv);
      if (info) out.push(info);
    }
    if (snapshotArgv.size > out.length) {
      const alive = new Set(out.map((p) => p.pid));
      for (const pid of snapshotArgv.keys()) if (!alive.has(pid)) snapshotArgv.delete(pid);
    }
    return out;
  };

  const readHeld = (path: string): string => {
    let fd = held.get(path);
    if (fd === undefined) held.set(path, (fd = openSync(path, "r")));
    return counterBuf.toString("latin1", 0, readSync(fd, counterBuf, 0, counterBuf.length, 0));
  };

  /** Two reads of held descriptors, ~8 µs: /proc/loadavg ends "running/tasks lastPid"; /proc/stat counts "processes" (forks). */
  const watermark = (): Watermark | undefined => {
    try {
      const loadavg = /(\d+)\/(\d+) (\d+)\s*$/.exec(readHeld("/proc/loadavg"));
      const forks = /^processes (\d+)$/m.exec(readHeld("/proc/stat"));
      if (!loadavg || !forks) return undefined;
      return { lastPid: Number(loadavg[3]), tasks: Number(loadavg[2]), forks: Number(forks[1]) };
    } catch {
      return undefined;
    }
  };

  /**
   * The processes (not threads, not kernel threads) started since `since`, read fresh; undefined
   * when that cannot be told cheaply. PIDs are handed out in order from the last one, wrapping at
   * pid_max and skipping those in use. So when fewer tasks were created than the PID space could
   * hold beside the ones alive, every new one lies between the two last PIDs, and probing that
   * range (most of it threads or already gone) finds them all, reused PIDs included.
   */
  const startedSince = (since: Watermark): { now: Watermark; processes: ProcessInfo[] } | undefined => {
    const now = watermark();
    if (!now) return undefined;
    const created = now.forks - since.forks;
    if (created === 0 && now.lastPid === since.lastPid) return { now, processes: [] };
    pidMax ??= Number(readFileSync("/proc/sys/kernel/pid_max", "latin1")) || 32768;
    const span = (now.lastPid - since.lastPid + pidMax) % pidMax;
    // the allocator moved past each new task and at most past every task alive in between: less than
    // one lap of the PID space, so no PID from before was handed out again outside the span
    if (created < 0 || created > MAX_PROBED || span > MAX_PROBED || 2 * created + Math.max(since.tasks, now.tasks) >= pidMax) return undefined;
    const processes: ProcessInfo[] = [];
    for (let i = 1, pid = since.lastPid; i <= span; i++) {
      pid = pid + 1 >= pidMax ? 1 : pid + 1;
      let line: string;
      try {
        line = readFileSync(`/proc/${pid}/stat`, "latin1");
      } catch {
        continue; // gone already, or never a task (a PID skipped because it was in use)
      }
      const fields = parseStat(line)?.fields;
      if (!fields || fields[EXIT_SIGNAL] === "-1" || isKernelThread(fields)) continue;
      const info = readProcess(pid, undefined, line);
      if (info) processes.push(info);
    }
    return { now, processes };
  };

  /**
   * Reads a followed process into `counters` through the descriptor held on it (opened on first
   * use). False once it is not the process asked about: reaped, or never there.
   */
  const readFollowed = (p: ProcessInfo): boolean => {
    let fd = followed.get(p.pid);
    if (fd && fd.startTime !== p.startTime) {
      closeSync(fd.fd);
      followed.delete(p.pid);
      fd = undefined;
    }
    try {
      if (!fd) {
        fd = { fd: openSync(`/proc/${p.pid}/stat`, "r"), startTime: p.startTime, startTicks: Number(p.startTime) };
        followed.set(p.pid, fd);
      }
      // opened on a PID that names another process now: not the one asked about
      if (statCounters(statBuf, readSync(fd.fd, statBuf, 0, statBuf.length, 0), fd.startTicks, counters)) return true;
    } catch {}
    if (fd) closeSync(fd.fd);
    followed.delete(p.pid);
    return false; // reaped (ESRCH), or never there
  };

  /** The set followed is the set last asked about: descriptors of processes not asked about this time are closed. */
  const forgetOthers = (known: ReadonlyArray<ProcessInfo>) => {
    if (followed.size <= known.length) return;
    const asked = new Set(known.map((p) => p.pid));
    for (const [pid, fd] of followed) {
      if (asked.has(pid)) continue;
      closeSync(fd.fd);
      followed.delete(pid);
    }
  };

  /**
   * What a quiet tick reads of each process it follows, index for index, with nothing allocated
   * per process: its CPU time and memory, or the first that ended (or turned zombie) or moved to
   * another parent.
   */
  const countersOf = (known: ReadonlyArray<ProcessInfo>): Counters => {
    const { clkTck, pageSize } = linuxConstants();
    const cpuTimeMs = new Float64Array(known.length);
    const rssBytes = new Float64Array(known.length);
    let changed: Counters | undefined;
    for (let i = 0; i < known.length && !changed; i++) {
      const p = known[i]!;
      if (!readFollowed(p) || counters.state === Z) changed = { _tag: "Changed", pid: p.pid, change: "ended" };
      else if (counters.ppid !== p.ppid) changed = { _tag: "Changed", pid: p.pid, change: "changed parent" };
      cpuTimeMs[i] = ((counters.utime + counters.stime) / clkTck) * 1000;
      rssBytes[i] = counters.rss * pageSize;
    }
    forgetOthers(known);
    return changed ?? { _tag: "Same", cpuTimeMs, rssBytes };
  };

  /** Closes every descriptor held: what the layer's finalizer runs. */
  const close = () => {
    for (const fd of held.values()) closeSync(fd);
    held.clear();
    for (const { fd } of followed.values()) closeSync(fd);
    followed.clear();
    snapshotArgv.clear();
  };

  /** How many descriptors are held now (for the test that the finalizer closes them). */
  const heldCount = () => held.size + followed.size;

  return { snapshot, watermark, startedSince, counters: countersOf, close, heldCount };
};

export type LinuxProc = ReturnType<typeof linuxProc>;

export const linuxEnviron = (pid: number): Map<string, string> | undefined => {
  try {
    const env = new Map<string, string>();
    for (const entry of readFileSync(`/proc/${pid}/environ`, "utf8").split("\0")) {
      const eq = entry.indexOf("=");
      if (eq > 0) env.set(entry.slice(0, eq), entry.slice(eq + 1));
    }
    return env;
  } catch {
    return undefined;
  }
};

/** One variable of /proc/PID/environ, found by a byte search: the rest is never decoded. */
export const linuxEnvironVar = (pid: number, name: string): string | undefined => {
  try {
    const raw = readFileSync(`/proc/${pid}/environ`);
    const key = `${name}=`;
    let at = raw.indexOf(key);
    // only at the start of an entry: the first one, or just after a NUL
    while (at > 0 && raw[at - 1] !== 0) at = raw.indexOf(key, at + 1);
    if (at < 0) return undefined;
    const start = at + key.length;
    const end = raw.indexOf(0, start);
    return raw.toString("utf8", start, end < 0 ? raw.length : end);
  } catch {
    return undefined;
  }
};

export const linuxOpenFiles = (pid: number): string[] => {
  try {
    return readdirSync(`/proc/${pid}/fd`).flatMap((fd) => {
      try {
        return [readlinkSync(`/proc/${pid}/fd/${fd}`)];
      } catch {
        return [];
      }
    });
  } catch {
    return [];
  }
};

export const linuxCwd = (pid: number): string | undefined => {
  try {
    return readlinkSync(`/proc/${pid}/cwd`);
  } catch {
    return undefined;
  }
};
