/**
 * Outside Linux a signal is checked with `portableStatus` (one `ps -p`) against an identity a
 * snapshot (ps-list) recorded: the two must agree on who the process is, start stamp included.
 * `ps` takes the same options on Linux, so this runs here too.
 */
import { describe, expect, it } from "vitest";
import { portableSnapshot, portableStatus } from "../../src/services/proc/portable.ts";

describe("portableStatus", () => {
  it("reads a process as a snapshot does (pid, parent, owner, start stamp), and nothing for one that is gone", async () => {
    const child = Bun.spawn(["sleep", "30"], { stdout: "ignore" });
    try {
      let fromSnapshot: Awaited<ReturnType<typeof portableSnapshot>>[number] | undefined;
      for (let i = 0; i < 100 && !fromSnapshot?.argv.includes("30"); i++) {
        fromSnapshot = (await portableSnapshot()).find((p) => p.pid === child.pid);
        if (!fromSnapshot?.argv.includes("30")) await Bun.sleep(20);
      }
      const status = portableStatus(child.pid)!;
      expect(fromSnapshot).toBeDefined();
      expect(status).toMatchObject({ pid: child.pid, ppid: process.pid, uid: fromSnapshot!.uid, startTime: fromSnapshot!.startTime, name: "sleep" });
      expect(Number(status.startTime)).toBeGreaterThan(0);
      child.kill("SIGKILL");
      await child.exited;
      expect(portableStatus(child.pid)).toBeUndefined();
    } finally {
      child.kill("SIGKILL");
      await child.exited;
    }
  });
});
