/**
 * Processes a test started, remembered by PID *and* start time, so that a clean-up signals only
 * those very processes: a PID that has ended since may already belong to another test file's
 * Codex or watchdog (PIDs wrap, and other tests rewind them through `ns_last_pid`).
 */
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";

/** When a live PID started (Linux: its stat line's start time; elsewhere `ps`'s), or undefined once it is gone. */
const startOf = (pid: number): string | undefined => {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return fields[0] === "Z" ? undefined : fields[19];
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== "ENOENT" || process.platform === "linux") return undefined;
  }
  try { return execFileSync("ps", ["-o", "lstart=", "-p", String(pid)], { encoding: "utf8" }).trim() || undefined; } catch { return undefined; }
};

export interface Owned { readonly pid: number; readonly start: string }

/** Remembers a PID as it is now; undefined when it is gone already (nothing to clean up). */
export const own = (pid: number): Owned | undefined => {
  const start = startOf(pid);
  return start === undefined ? undefined : { pid, start };
};

/** Sends the signal to each process still running as remembered; a PID now someone else's is left alone. */
export const killOwned = (processes: Iterable<Owned | undefined>, signal: NodeJS.Signals = "SIGKILL"): void => {
  for (const p of processes) {
    if (p === undefined || startOf(p.pid) !== p.start) continue;
    try { process.kill(p.pid, signal); } catch { /* ended between the look and the signal */ }
  }
};
