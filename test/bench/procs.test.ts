import { existsSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { cpuBetween, cpuMark, cpuMeter, procStat, treePids, waitGone } from "../../bench/lib/procs.ts";

const mark = (threads: Record<string, number> | undefined, statMs: number) => ({
  threads: threads ? new Map(Object.entries(threads)) : undefined,
  statMs,
});

describe("cpuBetween", () => {
  it("sums the threads' nanoseconds when every thread is still there, new ones from zero", () => {
    expect(cpuBetween(mark({ "1": 5e6, "2": 1e6 }, 10), mark({ "1": 7.5e6, "2": 1e6, "3": 0.25e6 }, 20))).toEqual({ ms: 2.75, precise: true });
  });

  it("falls back to the ticks when a thread exited (its time went with it)", () => {
    expect(cpuBetween(mark({ "1": 5e6, "2": 1e6 }, 10), mark({ "1": 7e6 }, 30))).toEqual({ ms: 20, precise: false });
    expect(cpuBetween(mark(undefined, 10), mark(undefined, 40))).toEqual({ ms: 30, precise: false });
  });

  it.runIf(process.platform === "linux")("measures a busy child to within a tick of /proc/PID/stat", async () => {
    const child = Bun.spawn(["bash", "-c", "x=0; while [ $x -lt 300000 ]; do x=$((x+1)); done; exec sleep 30"], { stdout: "ignore" });
    try {
      const a = cpuMark(child.pid);
      for (let i = 0; i < 400 && !(await Bun.file(`/proc/${child.pid}/comm`).text()).startsWith("sleep"); i++) await Bun.sleep(25);
      const used = cpuBetween(a, cpuMark(child.pid));
      expect(used.precise).toBe(true);
      expect(used.ms).toBeGreaterThan(0);
      expect(Math.abs(used.ms - (cpuMark(child.pid).statMs - a.statMs))).toBeLessThanOrEqual(20);
    } finally {
      child.kill("SIGKILL");
      await child.exited;
    }
  });
});

describe.runIf(process.platform === "linux")("cpuMeter's split", () => {
  it("tells a process's own CPU from its reaped children's, and names the children still in its cgroup", async () => {
    // waits to be metered, leaves a child running, runs a busy child to its end, then sleeps
    const child = Bun.spawn(["bash", "-c", "read -t 30 _; sleep 30 & (x=0; while [ $x -lt 200000 ]; do x=$((x+1)); done); exec sleep 30"], { stdin: "pipe", stdout: "ignore" });
    const meter = cpuMeter(child.pid);
    try {
      child.stdin.write("go\n");
      await child.stdin.flush();
      for (let i = 0; i < 800 && !(await Bun.file(`/proc/${child.pid}/comm`).text()).startsWith("sleep"); i++) await Bun.sleep(25);
      expect(await Bun.file(`/proc/${child.pid}/comm`).text()).toMatch(/^sleep/);
      const { ownMs, reapedChildrenMs, others } = meter.split();
      expect(reapedChildrenMs).toBeGreaterThan(0);
      expect(ownMs).toBeLessThan(reapedChildrenMs);
      if (meter.source === "cgroup") {
        expect(others).toHaveLength(1); // the background sleep; the busy one is gone
        expect(meter.read().ms).toBeGreaterThanOrEqual(reapedChildrenMs - 20);
      } else {
        expect(meter.source).toBe("threads");
        expect(others).toEqual([]); // without a group nothing else is counted
      }
      // closed while the background sleep is still in it: the group goes all the same
      meter.close();
      for (const root of ["/sys/fs/cgroup/cpuacct", "/sys/fs/cgroup/unified", "/sys/fs/cgroup"]) {
        expect(existsSync(`${root}/cs-bench-${process.pid}-${child.pid}`)).toBe(false);
      }
    } finally {
      meter.close();
      for (const pid of treePids(child.pid).reverse()) {
        try { process.kill(pid, "SIGKILL"); } catch {}
      }
      await child.exited;
    }
  });
});

describe.runIf(process.platform === "linux")("waitGone", () => {
  it("answers only once the last of them is gone, whichever order they go in", async () => {
    const children = Array.from({ length: 4 }, () => Bun.spawn(["sleep", "30"], { stdout: "ignore" }));
    const alive = children.pop()!;
    try {
      for (let i = 0; i < 200 && children.some((c) => !procStat(c.pid)); i++) await Bun.sleep(5);
      const pids = children.map((c) => ({ pid: c.pid, startTicks: procStat(c.pid)!.startTicks }));
      const waiting = waitGone(pids, 10_000);
      // the middle one goes, then the first, then (the one answer that counts) the last
      children[1]!.kill("SIGKILL");
      await Bun.sleep(150);
      children[0]!.kill("SIGKILL");
      await Bun.sleep(150);
      const lastKilledAt = performance.now();
      children[2]!.kill("SIGKILL");
      const gone = await waiting;
      expect(gone).toBeGreaterThanOrEqual(lastKilledAt);
      expect(await waitGone(pids, 10)).toBeDefined(); // all gone already: at once
      for (let i = 0; i < 200 && !procStat(alive.pid); i++) await Bun.sleep(5);
      expect(await waitGone([...pids, { pid: alive.pid, startTicks: procStat(alive.pid)!.startTicks }], 50)).toBeUndefined();
    } finally {
      for (const c of [...children, alive]) c.kill("SIGKILL");
      await Promise.all([...children, alive].map((c) => c.exited));
    }
  });
});
