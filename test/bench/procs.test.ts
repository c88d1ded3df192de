import { describe, expect, it } from "vitest";
import { cpuBetween, cpuMark } from "../../bench/lib/procs.ts";

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
