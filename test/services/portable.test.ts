/**
 * The portable backend (ps and lsof) read against real processes: procps and lsof take the same
 * options on Linux, so this runs here as on macOS. Each test spawns what it reads and ends it.
 */
import { mkdtempSync, openSync, closeSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { sameProcess } from "../../src/core/process.ts";
import { portableProc } from "../../src/services/proc/portable.ts";

const proc = portableProc();
const dir = mkdtempSync(join(tmpdir(), "cs-portable-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A `sleep` in `cwd`, with a marker in its environment and a file held open on descriptor 3. */
const sleeper = (seconds: string) => {
  const held = join(dir, `held ${seconds}.txt`);
  const fd = openSync(held, "w");
  const child = Bun.spawn(["sleep", seconds], { cwd: dir, env: { PATH: process.env.PATH ?? "", CS_MARK: "a value with spaces" }, stdio: ["ignore", "ignore", "ignore", fd] as never });
  closeSync(fd);
  return { child, held };
};

const until = async <T>(check: () => Promise<T | undefined>): Promise<T> => {
  for (let i = 0; i < 200; i++) {
    const v = await check();
    if (v !== undefined) return v;
    await Bun.sleep(25);
  }
  throw new Error("not seen within 5 s");
};

describe("portableProc", () => {
  it("reads a process as a snapshot does (pid, parent, owner, start stamp) with a one-process status, and nothing once it is gone", async () => {
    const { child } = sleeper("31");
    try {
      const seen = await until(async () => (await proc.snapshot()).find((p) => p.pid === child.pid && p.argv[1] === "31"));
      expect(seen).toMatchObject({ ppid: process.pid, name: "sleep", argv: ["sleep", "31"], uid: process.getuid!() });
      const status = proc.status(child.pid)!;
      expect(status).toMatchObject({ pid: child.pid, ppid: process.pid, uid: seen.uid, startTime: seen.startTime, name: "sleep" });
      expect(Math.abs(seen.startedAt - Date.now())).toBeLessThan(60_000);
      // one read of several, one of them gone: the others are still read
      const other = Bun.spawn(["sleep", "31"], { stdout: "ignore" });
      child.kill("SIGKILL");
      await child.exited;
      expect(proc.status(child.pid)).toBeUndefined();
      const both = proc.statusAll([child.pid, other.pid]);
      other.kill("SIGKILL");
      await other.exited;
      expect([...both.keys()]).toEqual([other.pid]);
    } finally {
      child.kill("SIGKILL");
      await child.exited;
    }
  });

  it("reads the environment (values with spaces), the cwd and the open files of its own processes, several in one lsof", async () => {
    const a = sleeper("32");
    const b = sleeper("33");
    try {
      await until(async () => (await proc.snapshot()).filter((p) => p.pid === a.child.pid || p.pid === b.child.pid).every((p) => p.argv[0] === "sleep") || undefined);
      const env = await proc.environ(a.child.pid);
      expect(env?.get("CS_MARK")).toBe("a value with spaces");
      await proc.prepare([a.child.pid, b.child.pid], "files");
      expect(await proc.cwd(a.child.pid)).toBe(dir);
      expect(await proc.openFiles(b.child.pid)).toContain(b.held);
      expect(proc.gaps()).toEqual([]);
    } finally {
      for (const { child } of [a, b]) child.kill("SIGKILL");
      await Promise.all([a.child.exited, b.child.exited]);
    }
  });

  it("reads the environment of a process that exec'd since the snapshot, from its new command line", async () => {
    const child = Bun.spawn(["bash", "-c", "read -r _; exec sleep 36"], { stdin: "pipe", stdout: "ignore", env: { PATH: process.env.PATH ?? "", CS_MARK: "after exec" } });
    try {
      await until(async () => (await proc.snapshot()).find((p) => p.pid === child.pid && p.argv[0] === "bash"));
      child.stdin.write("go\n");
      child.stdin.flush();
      await until(async () => (proc.status(child.pid)?.name === "sleep" ? true : undefined));
      expect((await proc.environ(child.pid))?.get("CS_MARK")).toBe("after exec");
    } finally {
      child.kill("SIGKILL");
      await child.exited;
    }
  });

  it("tells what started since a watermark, and counters of the same processes from one snapshot", async () => {
    await proc.snapshot();
    const mark = proc.watermark();
    await proc.snapshot();
    const { child } = sleeper("34");
    try {
      const started = await until(async () => {
        const s = await proc.startedSince(mark);
        return s?.processes.some((p) => p.pid === child.pid && p.argv[1] === "34") ? s : undefined;
      });
      const known = started.processes.find((p) => p.pid === child.pid)!;
      expect(started.processes.some((p) => p.pid === process.pid)).toBe(false);
      const counted = await proc.counters([known]);
      expect(counted._tag).toBe("Same");
      child.kill("SIGKILL");
      await child.exited;
      await proc.snapshot();
      expect(await proc.counters([known])).toEqual({ _tag: "Changed", pid: child.pid, change: "ended" });
      expect(sameProcess(known, await proc.read(child.pid))).toBeUndefined();
      expect(await proc.startedSince({ lastPid: -5, forks: -5, tasks: 0 })).toBeUndefined();
    } finally {
      child.kill("SIGKILL");
      await child.exited;
    }
  });

  it("names this boot the same way every time, and prints nothing on stderr reading it", () => {
    expect(proc.bootId()).toBe(proc.bootId());
    expect(proc.bootId()).not.toMatch(/unknown/);
  });
});
