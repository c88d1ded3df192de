/**
 * Processes a test started, remembered by PID *and* start time, so that a clean-up signals only
 * those very processes: a PID that has ended since may already belong to another test file's
 * Codex or watchdog (PIDs wrap, and other tests rewind them through `ns_last_pid`).
 */
import { execFileSync } from "node:child_process";
import { readLinuxStatus } from "../../src/services/proc/linux.ts";

/** When a live PID started (Linux: the supervisor's own /proc read; elsewhere `ps`'s), or undefined once it is gone. */
const startOf = (pid: number): string | undefined => {
  if (process.platform === "linux") {
    const status = readLinuxStatus(pid);
    return status && status.state !== "Z" ? status.startTime : undefined;
  }
  try { return execFileSync("ps", ["-o", "lstart=", "-p", String(pid)], { encoding: "utf8" }).trim() || undefined; } catch { return undefined; }
};

export interface Owned { readonly pid: number; readonly startTime: string }

/** Remembers a PID as it is now; undefined when it is gone already (nothing to clean up). */
export const own = (pid: number): Owned | undefined => {
  const startTime = startOf(pid);
  return startTime === undefined ? undefined : { pid, startTime };
};

/** Whether the remembered process still runs (its PID not ended, nor since given to another). */
export const stillOwned = <P extends Owned>(p: P | undefined): p is P => p !== undefined && startOf(p.pid) === p.startTime;

/** Sends the signal to each process still running as remembered; a PID now someone else's is left alone. */
export const killOwned = (processes: Iterable<Owned | undefined>, signal: NodeJS.Signals = "SIGKILL"): void => {
  for (const p of processes) {
    if (!stillOwned(p)) continue;
    try { process.kill(p.pid, signal); } catch { /* ended between the look and the signal */ }
  }
};
