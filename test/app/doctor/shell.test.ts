import { Effect } from "effect";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, expect, test } from "vitest";
import { probeShell } from "../../../src/app/doctor/pythonFacts.ts";
import { runBounded } from "../../../src/app/doctor/shell.ts";

let dir: string;
beforeEach(() => { dir = mkdtempSync(join(tmpdir(), "cs-doctor-shell-")); });
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const alive = (pid: number) => {
  try { return !readFileSync(`/proc/${pid}/stat`, "utf8").includes(") Z "); } catch { return false; }
};

test("a program that outlives its time is abandoned and its whole process group killed", async () => {
  const pidFile = join(dir, "pid");
  const started = Date.now();
  const r = await Effect.runPromise(runBounded(["/bin/sh", "-c", `sleep 30 & echo $! > ${pidFile}; echo hi; wait`], { cwd: dir, env: process.env, timeoutMs: 300 }));
  expect(Date.now() - started).toBeLessThan(5_000);
  expect(r).toMatchObject({ timedOut: true, exitCode: null });
  expect(r.stdout).toBe("hi\n");
  const child = Number(readFileSync(pidFile, "utf8"));
  await Bun.sleep(100);
  expect(alive(child)).toBe(false);
});

test("a shell ended for taking too long still runs its EXIT trap (so pyenv's rehash lock is not left behind)", async () => {
  const lock = join(dir, ".pyenv-shim");
  const r = await Effect.runPromise(runBounded(["/bin/bash", "-c", `trap 'rm -f ${lock}' EXIT; : > ${lock}; sleep 30`], { cwd: dir, env: process.env, timeoutMs: 300 }));
  expect(r.timedOut).toBe(true);
  await Bun.sleep(50);
  expect(existsSync(lock)).toBe(false);
});

test("a program that cannot start is an answer, not a crash", async () => {
  const r = await Effect.runPromise(runBounded(["/nonexistent/prog"], { cwd: dir, env: process.env, timeoutMs: 1_000 }));
  expect(r.exitCode).toBeNull();
  expect(r.error).toContain("ENOENT");
});

test("a slow login profile makes the probe time out instead of hanging doctor", async () => {
  writeFileSync(join(dir, ".bash_profile"), "sleep 30\n");
  const started = Date.now();
  const p = await Effect.runPromise(probeShell("bash -lc", dir, { ...process.env, HOME: dir }, 500));
  expect(Date.now() - started).toBeLessThan(5_000);
  expect(p).toMatchObject({ shell: "bash -lc", timedOut: true, pythons: [] });
});

test("the probe reports, per name, where python is and what prefix it runs in", async () => {
  const bin = join(dir, "bin");
  const fake = `#!/bin/sh\necho "/fake/prefix\t/fake/prefix/bin/python"\n`;
  await Bun.write(join(bin, "python"), fake);
  await Bun.$`chmod +x ${join(bin, "python")}`;
  const p = await Effect.runPromise(probeShell("bash -c", dir, { PATH: `${bin}:/usr/bin:/bin`, HOME: dir }, 5_000));
  expect(p.timedOut).toBe(false);
  expect(p.pythons[0]).toEqual({ name: "python", path: join(bin, "python"), prefix: "/fake/prefix", executable: "/fake/prefix/bin/python" });
});
