import { describe, expect, it } from "vitest";
import { readFileSync } from "node:fs";
import { sameProcess } from "../../src/core/process.ts";
import { auxvConstants, linuxProc, readLinuxProcess, readLinuxStatus } from "../../src/services/proc/linux.ts";

// one state for the file, as one ProcessTable layer would hold it
const proc = linuxProc();
const { snapshot: linuxSnapshot, counters: linuxCounters, startedSince: linuxStartedSince, watermark: linuxWatermark } = proc;

const onLinux = process.platform === "linux" ? describe : describe.skip;

const waitFor = async (check: () => boolean) => {
  for (let i = 0; i < 200 && !check(); i++) await Bun.sleep(25);
};

onLinux("linuxSnapshot", () => {
  it("sees a new command line after an exec, even one that keeps the process's name and start time", async () => {
    const child = Bun.spawn(["bash", "-c", "read -r _; exec bash -c 'read -r _; :' second-exec"], { stdin: "pipe", stdout: "ignore" });
    try {
      const argvIn = () => linuxSnapshot().find((p) => p.pid === child.pid)?.argv ?? [];
      await waitFor(() => argvIn().length > 0);
      const before = linuxSnapshot().find((p) => p.pid === child.pid)!;
      expect(before.argv[2]).toContain("exec bash");
      child.stdin.write("go\n");
      child.stdin.flush();
      await waitFor(() => argvIn().includes("second-exec"));
      const after = linuxSnapshot().find((p) => p.pid === child.pid)!;
      expect({ name: after.name, startTime: after.startTime }).toEqual({ name: before.name, startTime: before.startTime });
      expect(after.argv).toEqual(["bash", "-c", "read -r _; :", "second-exec"]);
      expect(after.argv).toEqual(readLinuxProcess(child.pid)!.argv);
    } finally {
      child.kill("SIGKILL");
      await child.exited;
    }
  });
});

onLinux("readLinuxStatus", () => {
  it("reads what a full read does but the command line, and nothing once the process is reaped", async () => {
    const child = Bun.spawn(["sleep", "30"], { stdout: "ignore" });
    try {
      // an exec names the process before it places the new command line: wait for both, and for
      // it to be asleep (it runs for a moment first; from then on, the two reads agree on its state)
      await waitFor(() => readLinuxProcess(child.pid)?.argv.length === 2 && readLinuxStatus(child.pid)?.state === "S");
      const { argv, ...rest } = readLinuxProcess(child.pid)!;
      expect(argv).toEqual(["sleep", "30"]);
      const status = readLinuxStatus(child.pid)!;
      expect(status).not.toHaveProperty("argv");
      expect(status).toEqual({ ...rest, cpuTimeMs: status.cpuTimeMs, rssBytes: status.rssBytes });
      expect(status.uid).toBe(process.getuid!());
      child.kill("SIGKILL");
      await child.exited; // reaped by Bun
      expect(sameProcess(status, readLinuxStatus(child.pid))).toBeUndefined(); // gone, or the PID is another's now
    } finally {
      child.kill("SIGKILL");
      await child.exited;
    }
  });
});

onLinux("linuxWatermark, linuxStartedSince and linuxCounters", () => {
  it("finds each process started since a watermark, once, and none of their threads", async () => {
    const before = linuxWatermark()!;
    expect(before.lastPid).toBeGreaterThan(0);
    // Bun starts several threads of its own: each takes a PID-space number, none is a process
    const children = [Bun.spawn(["sleep", "30"]), Bun.spawn([process.execPath, "-e", "await Bun.sleep(30000)"])];
    try {
      await waitFor(() => readLinuxProcess(children[1]!.pid)?.argv.length === 3);
      const started = linuxStartedSince(before)!;
      // this process's own children only: tests in other worker threads share its PID and spawn too
      const ours = new Set(children.map((c) => c.pid));
      const mine = started.processes.filter((p) => p.ppid === process.pid && ours.has(p.pid));
      expect(mine.map((p) => p.pid).sort()).toEqual([...ours].sort());
      expect(mine.find((p) => p.pid === children[0]!.pid)?.argv).toEqual(["sleep", "30"]);
      expect(new Set(started.processes.map((p) => p.pid)).size).toBe(started.processes.length);
      expect(started.now.forks).toBeGreaterThan(before.forks);
      // and from the new watermark: neither again
      const later = linuxStartedSince(started.now)!;
      expect(later.processes.filter((p) => ours.has(p.pid))).toEqual([]);
    } finally {
      for (const c of children) c.kill("SIGKILL");
      await Promise.all(children.map((c) => c.exited));
    }
  });

  it("reads the counters of a followed process and loses it once it is reaped; a stale start stamp never matches", async () => {
    const child = Bun.spawn(["bash", "-c", "x=0; while [ $x -lt 200000 ]; do x=$((x+1)); done; exec sleep 30"], { stdout: "ignore" });
    try {
      await waitFor(() => readLinuxProcess(child.pid)?.argv[0] === "sleep");
      const known = readLinuxProcess(child.pid)!;
      const counted = linuxCounters([known]);
      if (counted._tag !== "Same") throw new Error(`expected the same process, got ${JSON.stringify(counted)}`);
      expect(counted.cpuTimeMs[0]).toBeGreaterThan(0); // the loop before the exec counts: it is the same process
      expect(counted.cpuTimeMs[0]).toBeGreaterThanOrEqual(known.cpuTimeMs);
      expect(counted.rssBytes[0]).toBeGreaterThan(0);
      expect(linuxCounters([{ ...known, startTime: `${Number(known.startTime) - 1}` }])).toEqual({ _tag: "Changed", pid: child.pid, change: "ended" });
      expect(linuxCounters([{ ...known, ppid: known.ppid + 1 }])).toEqual({ _tag: "Changed", pid: child.pid, change: "changed parent" });
      expect(linuxCounters([known])._tag).toBe("Same"); // and the real one again
      child.kill("SIGKILL");
      await child.exited; // reaped by Bun
      expect(linuxCounters([known])).toEqual({ _tag: "Changed", pid: child.pid, change: "ended" });
    } finally {
      child.kill("SIGKILL");
      await child.exited;
    }
  });

});

describe("auxvConstants", () => {
  const vector = (...pairs: Array<[number, number]>) => {
    const view = new DataView(new ArrayBuffer(pairs.length * 16));
    pairs.forEach(([type, value], i) => {
      view.setBigUint64(i * 16, BigInt(type), true);
      view.setBigUint64(i * 16 + 8, BigInt(value), true);
    });
    return new Uint8Array(view.buffer);
  };

  it("reads AT_PAGESZ and AT_CLKTCK and stops at AT_NULL", () => {
    expect(auxvConstants(vector([33, 7], [6, 16384], [17, 250], [0, 0], [6, 1]))).toEqual({ pageSize: 16384, clkTck: 250 });
    expect(auxvConstants(vector([3, 64]))).toEqual({});
    expect(auxvConstants(new Uint8Array(7))).toEqual({});
  });

  it.skipIf(process.platform !== "linux")("agrees with getconf on this machine", () => {
    const getconf = (name: string) => Number(Bun.spawnSync(["getconf", name]).stdout.toString().trim());
    expect(auxvConstants(readFileSync("/proc/self/auxv"))).toEqual({ pageSize: getconf("PAGESIZE"), clkTck: getconf("CLK_TCK") });
  });
});

