import { execFileSync } from "node:child_process";
import psList from "ps-list";
import type { ProcessInfo, ProcessStatus } from "../../core/process.ts";

// Outside Linux there is no /proc: ps-list gives pid, parent, owner, command and
// start time; one extra `ps` call adds what it lacks (group, state, memory, CPU time).

interface PsExtra {
  readonly pgid: number;
  readonly state: string;
  readonly rssBytes: number;
  readonly cpuTimeMs: number;
}

const parseCpuTime = (text: string): number => {
  // [[dd-]hh:]mm:ss.cc
  const [days, rest] = text.includes("-") ? text.split("-") : ["0", text];
  const parts = (rest ?? "").split(":").map(Number).reverse();
  const seconds = (parts[0] ?? 0) + (parts[1] ?? 0) * 60 + (parts[2] ?? 0) * 3600 + Number(days) * 86_400;
  return Math.round(seconds * 1000);
};

const psExtras = (): Map<number, PsExtra> => {
  const extras = new Map<number, PsExtra>();
  const text = execFileSync("ps", ["-axo", "pid=,pgid=,state=,rss=,time="], { encoding: "utf8" });
  for (const line of text.split("\n")) {
    const [pid, pgid, state, rss, time] = line.trim().split(/\s+/);
    if (!pid || !time) continue;
    extras.set(Number(pid), {
      pgid: Number(pgid),
      state: (state ?? "?").charAt(0),
      rssBytes: Number(rss) * 1024,
      cpuTimeMs: parseCpuTime(time),
    });
  }
  return extras;
};

export const portableSnapshot = async (): Promise<ProcessInfo[]> => {
  const [rows, extras] = await Promise.all([psList({ all: true }), Promise.resolve().then(psExtras)]);
  return rows.map((row) => {
    const extra = extras.get(row.pid);
    const startedAt = row.startTime?.getTime() ?? 0;
    return {
      pid: row.pid,
      ppid: row.ppid,
      pgid: extra?.pgid ?? row.pid,
      sid: extra?.pgid ?? row.pid,
      uid: row.uid ?? -1,
      startTime: String(startedAt),
      startedAt,
      state: extra?.state ?? "?",
      name: row.name,
      argv: (row.cmd ?? row.name).split(" "),
      rssBytes: extra?.rssBytes ?? 0,
      cpuTimeMs: extra?.cpuTimeMs ?? 0,
    };
  });
};

/**
 * One process, read now with `ps -p`, synchronously (what a check just before a signal needs):
 * the fields a snapshot gives, the start stamp parsed from `lstart` exactly as ps-list parses it,
 * so it compares equal to the one a snapshot recorded. Undefined when there is no such process.
 */
export const portableStatus = (pid: number): ProcessStatus | undefined => {
  let text: string;
  try {
    text = execFileSync("ps", ["-o", "pid=,ppid=,pgid=,uid=,state=,rss=,time=,lstart=,comm=", "-p", String(pid)], { encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] });
  } catch (e) {
    // ps exits 1 when no process matched
    if ((e as { status?: number }).status === 1) return undefined;
    throw e;
  }
  const m = /^\s*(\d+)\s+(\d+)\s+(\d+)\s+(\d+)\s+(\S+)\s+(\d+)\s+(\S+)\s+(\w{3}\s+\w{3}\s+\d{1,2}\s+[\d:]{8}\s+\d{4})\s+(.*)$/m.exec(text);
  if (!m || Number(m[1]) !== pid) return undefined;
  const started = new Date(m[8]!).getTime();
  const startedAt = Number.isNaN(started) ? 0 : started;
  return {
    pid,
    ppid: Number(m[2]),
    pgid: Number(m[3]),
    sid: Number(m[3]),
    uid: Number(m[4]),
    startTime: String(startedAt),
    startedAt,
    state: m[5]!.charAt(0),
    name: (m[9] ?? "").trim().split("/").at(-1) ?? "",
    rssBytes: Number(m[6]) * 1024,
    cpuTimeMs: parseCpuTime(m[7]!),
  };
};

/** macOS has no boot id; the boot time stands in for it. */
export const portableBootId = (): string => {
  try {
    return execFileSync("sysctl", ["-n", "kern.boottime"], { encoding: "utf8" }).trim();
  } catch {
    return "unknown-boot";
  }
};
