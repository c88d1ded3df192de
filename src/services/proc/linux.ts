import { readdirSync, readFileSync, readlinkSync, statSync } from "node:fs";
import { execFileSync } from "node:child_process";
import type { ProcessInfo } from "../../core/process.ts";

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

/**
 * One process from /proc. With `argvCache`, a process already read in the same exec keeps
 * the argv read then (a process's command line only changes by exec): a snapshot then
 * costs one read of /proc/PID/stat and a stat for most processes, not three reads.
 * Kernel threads have no command line and belong to root: nothing more is read for them.
 */
const readProcess = (pid: number, argvCache?: Map<number, ArgvEntry>): ProcessInfo | undefined => {
  try {
    const stat = parseStat(readFileSync(`/proc/${pid}/stat`, "latin1"));
    if (!stat) return undefined;
    const f = stat.fields; // f[0] is field 3 (state) of proc(5)
    const { clkTck, pageSize, bootTimeMs } = linuxConstants();
    const startTicks = f[19] ?? "0";
    const kernelThread = (Number(f[6] ?? 0) & PF_KTHREAD) !== 0;
    let argv: string[] = [];
    if (!kernelThread) {
      const exec = argvCache ? execOf(stat.name, f) : undefined;
      const cached = exec === undefined ? undefined : argvCache?.get(pid);
      if (cached && cached.exec === exec) argv = cached.argv;
      else {
        argv = readArgv(pid);
        if (exec !== undefined && argv.length > 0) argvCache?.set(pid, { exec, argv });
      }
    }
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
      argv,
      rssBytes: Number(f[21] ?? 0) * pageSize,
      cpuTimeMs: ((Number(f[11] ?? 0) + Number(f[12] ?? 0)) / clkTck) * 1000,
    };
  } catch {
    return undefined;
  }
};

/** A fresh read of one process: nothing cached (what identity checks before a signal use). */
export const readLinuxProcess = (pid: number): ProcessInfo | undefined => readProcess(pid);

const snapshotArgv = new Map<number, ArgvEntry>();

export const linuxSnapshot = (): ProcessInfo[] => {
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
