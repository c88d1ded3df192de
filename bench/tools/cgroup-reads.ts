#!/usr/bin/env bun
/**
 * What a quiet tick's reads would cost with a cgroup per job, against what they cost now: N jobs
 * of three sleeping processes, each job in a cgroup of its own, and each way of reading them
 * timed 1 s after the last (cold, as ticks run): CPU µs per pass, median of R passes. Reads go
 * through descriptors held open, as `watch` reads /proc/PID/stat.
 *
 *   now:        every member's /proc/PID/stat (CPU time, RSS, parent, state)
 *   per job:    the job's CPU (v1 cpuacct.usage, or v2 cpu.stat) and memory (v1
 *               memory.usage_in_bytes), plus the native's stat line, whose parent is how an
 *               orphan shows
 *
 * Needs cgroup hierarchies it may write (root, or a delegated subtree); it says which it found
 * and measures the ways it can. Run it under watch's JSC settings:
 *
 *   BUN_JSC_useDFGJIT=0 BUN_JSC_useConcurrentJIT=0 bun bench/tools/cgroup-reads.ts [--jobs 100] [--reps 15]
 */
import { closeSync, mkdirSync, openSync, readSync, rmdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { numberArg } from "../lib/inProcess.ts";

const jobs = numberArg("jobs", 100);
const reps = numberArg("reps", 15);
const FILES = {
  cpuV1: { root: "/sys/fs/cgroup/cpuacct", file: "cpuacct.usage" },
  memV1: { root: "/sys/fs/cgroup/memory", file: "memory.usage_in_bytes" },
  cpuV2: { root: "/sys/fs/cgroup/unified", file: "cpu.stat" },
} as const;
type Kind = keyof typeof FILES;

const name = (j: number) => `cs-cgroup-reads-${process.pid}-${j}`;
const made: string[] = [];
const procs: ReturnType<typeof Bun.spawn>[] = [];
const fds: number[] = [];
const buf = Buffer.alloc(4096);
const open = (path: string) => {
  const fd = openSync(path, "r");
  fds.push(fd);
  return fd;
};

/** Ends what the tool started and removes its groups: on the way out, and on Ctrl-C or SIGTERM. */
const cleanUp = async () => {
  for (const fd of fds.splice(0)) closeSync(fd);
  for (const p of procs) p.kill("SIGKILL");
  await Promise.all(procs.splice(0).map((p) => p.exited));
  for (const dir of made.splice(0).reverse()) {
    for (let i = 0; i < 50; i++) {
      try { rmdirSync(dir); break; } catch { await Bun.sleep(20); } // a group goes once its last process is reaped
    }
  }
};
for (const signal of ["SIGINT", "SIGTERM"] as const) process.once(signal, () => void cleanUp().finally(() => process.exit(130)));

try {
  // which hierarchies this machine lets us make groups in
  const kinds = (Object.keys(FILES) as Kind[]).filter((k) => {
    const dir = join(FILES[k].root, name(-1));
    try { mkdirSync(dir); rmdirSync(dir); return true; } catch { return false; }
  });
  console.log(`cgroup hierarchies writable here: ${kinds.map((k) => FILES[k].root).join(", ") || "none"}`);

  const statFds: number[] = [];
  const groupFds: Record<Kind, number[]> = { cpuV1: [], memV1: [], cpuV2: [] };
  for (let j = 0; j < jobs; j++) {
    for (const k of kinds) { mkdirSync(join(FILES[k].root, name(j))); made.push(join(FILES[k].root, name(j))); }
    for (let m = 0; m < 3; m++) {
      const p = Bun.spawn(["sleep", "600"], { stdout: "ignore" });
      procs.push(p);
      for (const k of kinds) writeFileSync(join(FILES[k].root, name(j), "cgroup.procs"), String(p.pid));
      statFds.push(open(`/proc/${p.pid}/stat`));
    }
    for (const k of kinds) groupFds[k].push(open(join(FILES[k].root, name(j), FILES[k].file)));
  }
  const readAll = (list: ReadonlyArray<number>) => { for (const fd of list) readSync(fd, buf, 0, buf.length, 0); };
  const natives = statFds.filter((_, i) => i % 3 === 1);
  const ways: Array<[string, () => void]> = [[`${statFds.length} × /proc/PID/stat (now)`, () => readAll(statFds)]];
  ways.push([`${natives.length} × /proc/PID/stat (the natives alone)`, () => readAll(natives)]);
  if (kinds.includes("cpuV1") && kinds.includes("memV1")) ways.push([`${jobs} × cpuacct.usage + ${jobs} × memory.usage_in_bytes (v1)`, () => { readAll(groupFds.cpuV1); readAll(groupFds.memV1); }]);
  if (kinds.includes("cpuV2")) ways.push([`${jobs} × cpu.stat (v2)`, () => readAll(groupFds.cpuV2)]);

  const cpu: number[][] = ways.map(() => []);
  for (let r = 0; r < reps; r++) {
    for (const [i, [, read]] of ways.entries()) {
      await Bun.sleep(1000);
      const before = process.cpuUsage();
      read();
      const used = process.cpuUsage(before);
      cpu[i]!.push(used.user + used.system);
    }
  }
  console.log(`${jobs} jobs of 3 processes, ${reps} passes each, 1 s apart; CPU µs per pass:`);
  for (const [i, [label]] of ways.entries()) {
    const v = cpu[i]!.sort((a, b) => a - b);
    console.log(`  ${label.padEnd(64)} median ${v[Math.floor(v.length / 2)]} (${v[0]}–${v.at(-1)})`);
  }
} finally {
  await cleanUp();
}
