/**
 * The waiting parent's shell text, run by the real /bin/sh around small stand-ins for Codex:
 * what it passes on, what it records, and what it leaves alone.
 */
import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, test } from "vitest";
import { JOB_MARKER } from "../../src/core/job.ts";
import { OUTPUT_CAP_BYTES, OUTPUT_KEEP_BYTES, WAITER_DIR_ARG, waiterArgs, waiterScript } from "../../src/core/waiter.ts";
import { prepareJobFiles, readExit } from "../../src/services/jobFiles.ts";

const scratch = mkdtempSync(join(tmpdir(), "cs-waiter-"));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));
let n = 0;

/** Runs the waiter as the Launcher does (its own session, prompt on stdin); resolves with Codex's PID and the waiter. */
const launch = (command: string, prompt = "the prompt", options: { background?: boolean } = {}) => {
  const dir = join(scratch, `job-${++n}`);
  prepareJobFiles(dir);
  const script = join(scratch, `codex-${n}`);
  writeFileSync(script, `#!/bin/sh\n${command}\n`, { mode: 0o755 });
  const waiter = spawn("/bin/sh", ["-c", waiterScript(options), ...waiterArgs(dir, "job-id-1", script, ["exec", "-"])], {
    detached: true, stdio: ["pipe", "pipe", "ignore"], env: { PATH: process.env.PATH ?? "" },
  });
  waiter.stdin!.end(prompt);
  const pid = new Promise<number>((resolve, reject) => {
    let out = "";
    waiter.stdout!.on("data", (c: Buffer) => {
      out += c.toString();
      if (out.includes("\n")) { resolve(Number(out.split("\n")[0])); waiter.stdout!.destroy(); }
    });
    waiter.once("error", reject);
  });
  return { dir, waiter, pid };
};

const exitOf = async (dir: string) => {
  const deadline = Date.now() + 20_000;
  for (;;) {
    const exit = readExit(dir);
    if (exit._tag === "Exited") return exit;
    if (Date.now() > deadline) throw new Error(`no exit status in ${dir}`);
    await Bun.sleep(5);
  }
};

const procStatus = (pid: number) => readFileSync(`/proc/${pid}/status`, "utf8");
const environ = (pid: number) => readFileSync(`/proc/${pid}/environ`, "utf8").split("\0");

describe("the waiting parent", () => {
  test("gives Codex the prompt on stdin, keeps its stdout and stderr, and records its exit status and end", async () => {
    const { dir, pid } = launch(`cat; echo "to stderr" >&2; exit 3`);
    expect(await pid).toBeGreaterThan(1);
    const exit = await exitOf(dir);
    const after = Date.now();
    expect(exit.code).toBe(3);
    expect(exit.at).toBeLessThanOrEqual(after);
    expect(exit.at).toBeGreaterThan(after - 5000);
    expect(readFileSync(join(dir, "stdout"), "utf8")).toBe("the prompt");
    expect(readFileSync(join(dir, "stderr"), "utf8")).toBe("to stderr\n");
    expect(statSync(join(dir, "exit")).mode & 0o777).toBe(0o600);
  });

  test("reports Codex's own PID: the process that runs it, same PID after the exec", async () => {
    const { dir, pid } = launch(`cat >/dev/null; echo $$`);
    const codex = await pid;
    await exitOf(dir);
    expect(readFileSync(join(dir, "stdout"), "utf8").trim()).toBe(String(codex));
  });

  test("the marker is on Codex alone; Codex starts with no signal ignored; the waiter is Codex's parent", async () => {
    const { dir, waiter, pid } = launch(`cat >/dev/null; sleep 30`);
    const codex = await pid;
    try {
      // the PID is told before the exec: until it is done, /proc/PID/environ can read empty (seen under load)
      const marked = `${JOB_MARKER}=job-id-1`;
      for (const deadline = Date.now() + 10_000; !environ(codex).includes(marked) && Date.now() < deadline;) await Bun.sleep(20);
      expect(environ(codex)).toContain(marked);
      expect(environ(waiter.pid!).some((e) => e.startsWith(`${JOB_MARKER}=`))).toBe(false);
      expect(/^SigIgn:\s*0+$/m.test(procStatus(codex))).toBe(true);
      expect(Number(/^PPid:\s*(\d+)/m.exec(procStatus(codex))![1])).toBe(waiter.pid);
      expect(readFileSync(`/proc/${waiter.pid}/cmdline`, "utf8").split("\0")[WAITER_DIR_ARG]).toBe(dir);
    } finally {
      process.kill(codex, "SIGTERM");
    }
    expect((await exitOf(dir)).code).toBe(128 + 15);
  });

  test("in the background variant the launching shell exits at once and the waiter still records the end", async () => {
    const { dir, waiter, pid } = launch(`cat >/dev/null; exit 5`, "p", { background: true });
    await pid;
    const code = waiter.exitCode ?? await new Promise<number | null>((resolve) => waiter.once("exit", resolve));
    expect(code).toBe(0);
    expect((await exitOf(dir)).code).toBe(5);
  });

  test("cuts an output over the cap to its tail when Codex exits", async () => {
    const lines = Math.ceil((OUTPUT_CAP_BYTES * 2) / 20);
    const { dir } = launch(`cat >/dev/null; i=0; while [ $i -lt ${lines} ]; do i=$((i+1)); printf 'line %013d\\n' $i; done >&2`);
    await exitOf(dir);
    const kept = readFileSync(join(dir, "stderr"), "utf8");
    expect(kept.length).toBe(OUTPUT_KEEP_BYTES);
    expect(kept.endsWith(`line ${String(lines).padStart(13, "0")}\n`)).toBe(true);
    expect(statSync(join(dir, "stderr")).mode & 0o777).toBe(0o600);
  });
});
