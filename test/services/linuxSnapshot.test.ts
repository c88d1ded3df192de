import { describe, expect, it } from "vitest";
import { readFileSync } from "node:fs";
import { auxvConstants, linuxSnapshot, readLinuxProcess } from "../../src/services/proc/linux.ts";

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

