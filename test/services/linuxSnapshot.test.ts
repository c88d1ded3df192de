import { describe, expect, it } from "vitest";
import { linuxSnapshot, readLinuxProcess } from "../../src/services/proc/linux.ts";

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
