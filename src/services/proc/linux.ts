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

let constants: { clkTck: number; pageSize: number; bootTimeMs: number } | undefined;
const linuxConstants = () => {
  if (!constants) {
    const btime = /^btime (\d+)$/m.exec(readFileSync("/proc/stat", "utf8"));
    constants = {
      clkTck: sysconf("CLK_TCK", 100),
      pageSize: sysconf("PAGESIZE", 4096),
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

/** What /proc/PID/stat alone says about a process's load: enough to sample its CPU and memory. */
export interface LinuxUsage {
  readonly startTime: string;
  readonly startedAt: number;
  readonly cpuTimeMs: number;
  readonly rssBytes: number;
}

export const readLinuxUsage = (pid: number): LinuxUsage | undefined => {
  try {
    const stat = parseStat(readFileSync(`/proc/${pid}/stat`, "latin1"));
    if (!stat || stat.fields[0] === "Z") return undefined;
    const f = stat.fields;
    const { clkTck, pageSize, bootTimeMs } = linuxConstants();
    const startTime = f[19] ?? "0";
    return {
      startTime,
      startedAt: Math.round(bootTimeMs + (Number(startTime) / clkTck) * 1000),
      cpuTimeMs: ((Number(f[11] ?? 0) + Number(f[12] ?? 0)) / clkTck) * 1000,
      rssBytes: Number(f[21] ?? 0) * pageSize,
    };
  } catch {
    return undefined;
  }
};

export const readLinuxProcess = (pid: number): ProcessInfo | undefined => {
  try {
    const stat = parseStat(readFileSync(`/proc/${pid}/stat`, "latin1"));
    if (!stat) return undefined;
    const f = stat.fields; // f[0] is field 3 (state) of proc(5)
    const { clkTck, pageSize, bootTimeMs } = linuxConstants();
    const startTicks = f[19] ?? "0";
    let argv: string[] = [];
    try {
      const raw = readFileSync(`/proc/${pid}/cmdline`, "utf8");
      argv = raw.length === 0 ? [] : raw.replace(/\0$/, "").split("\0");
    } catch {
      // a process that just exited, or one we may not read: keep the stat facts
    }
    return {
      pid,
      ppid: Number(f[1]),
      pgid: Number(f[2]),
      sid: Number(f[3]),
      uid: statSync(`/proc/${pid}`).uid,
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

export const linuxSnapshot = (): ProcessInfo[] => {
  const out: ProcessInfo[] = [];
  for (const entry of readdirSync("/proc")) {
    const c = entry.charCodeAt(0);
    if (c < 48 || c > 57) continue;
    const info = readLinuxProcess(Number(entry));
    if (info) out.push(info);
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
