#!/usr/bin/env bun
/**
 * The physical floor of the watchdog's reads: each given process's `/proc/PID/stat` read through a
 * descriptor held open on it, once per interval, as `watch` reads the members of every job's tree,
 * and nothing else (no parsing, no judging, no database). The reads are those of
 * bench/tools/cgroup-reads.ts's "now" line, at the watchdog's own cadence instead of 1 s apart.
 * Writes the CPU of each pass (µs of user + system time, the process's own) to FILE as JSON, then
 * exits. Run it under watch's JSC settings (the watchdog suite does).
 *
 *   bun bench/lib/statReads.ts INTERVAL_MS SECONDS FILE PID…
 */
import { closeSync, openSync, readSync, writeFileSync } from "node:fs";

export interface StatReads {
  readonly intervalMs: number;
  readonly processes: number;
  /** CPU µs of each pass over every process's stat line. */
  readonly passesUs: ReadonlyArray<number>;
}

/** CPU seconds per hour the passes come to at their interval. */
export const floorPerHour = (r: StatReads): number =>
  r.passesUs.length === 0 ? Number.NaN : (r.passesUs.reduce((a, b) => a + b, 0) / r.passesUs.length / 1e6) * (3_600_000 / r.intervalMs);

if (import.meta.main) {
  const [intervalArg, secondsArg, file, ...pidArgs] = process.argv.slice(2);
  const intervalMs = Number(intervalArg);
  const passes = Math.max(1, Math.floor((Number(secondsArg) * 1000) / intervalMs));
  const fds = pidArgs.flatMap((pid) => {
    try { return [openSync(`/proc/${pid}/stat`, "r")]; } catch { return []; } // gone already
  });
  const buf = Buffer.alloc(4096);
  const readAll = () => {
    for (const fd of fds) {
      try { readSync(fd, buf, 0, buf.length, 0); } catch { /* the process ended: ESRCH, as watch sees it */ }
    }
  };
  readAll(); // a first pass, not counted: the watchdog is measured warm too
  const passesUs: number[] = [];
  for (let i = 0; i < passes; i++) {
    await Bun.sleep(intervalMs);
    const before = process.cpuUsage();
    readAll();
    const used = process.cpuUsage(before);
    passesUs.push(used.user + used.system);
  }
  for (const fd of fds) closeSync(fd);
  writeFileSync(file!, JSON.stringify({ intervalMs, processes: fds.length, passesUs } satisfies StatReads));
}
