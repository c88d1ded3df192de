import { describe, expect, it } from "vitest";
import { readFileSync } from "node:fs";
import { auxvConstants, incrementalLinuxSnapshot, linuxSnapshot, readLinuxProcess } from "../../src/services/proc/linux.ts";

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

onLinux("incrementalLinuxSnapshot", () => {
  const isMarked = (p: { argv: ReadonlyArray<string> }) => p.argv.includes("cs-incremental-root");
  const spawnSh = (script: string, name: string) =>
    Bun.spawn(["bash", "-c", script, name], { stdin: "pipe", stdout: "pipe", stderr: "ignore" });

  it("rereads only what changed, and still sees births, deaths, reparenting and the interesting trees' fresh facts", async () => {
    let clock = 0;
    const table = incrementalLinuxSnapshot(isMarked, 60_000, () => clock);
    // an interesting root with a CPU-burning child, and a bystander whose child outlives it
    const root = spawnSh("(while :; do :; done) & echo $!; read -r _", "cs-incremental-root");
    const bystander = spawnSh("sleep 600 & echo $!; read -r _", "cs-incremental-bystander");
    const firstLine = async (p: ReturnType<typeof spawnSh>) => {
      const reader = p.stdout.getReader();
      let text = "";
      while (!text.includes("\n")) {
        const { value, done } = await reader.read();
        if (done) break;
        text += new TextDecoder().decode(value);
      }
      reader.releaseLock();
      return Number(text.split("\n")[0]);
    };
    let burner = 0;
    try {
      burner = await Promise.race([firstLine(root), Bun.sleep(5000).then(() => 0)]);
      expect(burner).toBeGreaterThan(0);
      const first = table.snapshot();
      const full = table.stats();
      expect(full).toMatchObject({ full: 1, partial: 0 });
      expect(first.find((p) => p.pid === burner)?.ppid).toBe(root.pid);
      await Bun.sleep(300);
      clock += 1000;
      const second = table.snapshot();
      const afterSecond = table.stats();
      // rereads: the interesting tree (root + burner) and whatever was born since — not the whole table
      expect(afterSecond.partial).toBe(1);
      expect(afterSecond.reads - full.reads).toBeLessThan(first.length / 2);
      const cpuBefore = first.find((p) => p.pid === burner)!.cpuTimeMs;
      expect(second.find((p) => p.pid === burner)!.cpuTimeMs).toBeGreaterThan(cpuBefore); // a fresh read
      // a birth is seen at once; a parent's death rereads its orphan (now adopted elsewhere)
      const bystanderChild = second.find((p) => p.ppid === bystander.pid && p.argv[0] === "sleep");
      expect(bystanderChild).toBeDefined();
      bystander.kill("SIGKILL");
      await bystander.exited;
      clock += 1000;
      const third = table.snapshot();
      expect(third.some((p) => p.pid === bystander.pid)).toBe(false);
      expect(third.find((p) => p.pid === bystanderChild!.pid)?.ppid).not.toBe(bystander.pid);
      process.kill(bystanderChild!.pid, "SIGKILL");
      // after fullEveryMs everything is read again
      clock += 60_000;
      table.snapshot();
      expect(table.stats().full).toBe(2);
    } finally {
      if (burner > 0) process.kill(burner, "SIGKILL"); // the subshell we started, by the PID it told us
      for (const p of [root, bystander]) p.kill("SIGKILL");
    }
  });
});
