/**
 * The real end and exit code of every job (issue 23, point 3), including one that ended while no
 * command and no watchdog looked: a waiting parent in the job's session records both.
 */
import { chmodSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { expect, test } from "vitest";
import { isAlive, type Sandbox, waitFor } from "./support/harness.ts";
import { withExecSandbox } from "./support/execSandbox.ts";

interface JobJson { jobId: string; pid: number; nativePid: number | null; status: string; exitCode: number | null; endedAt: string | null; stderrFile: string }

let sb: Sandbox;
withExecSandbox((made) => (sb = made));

const start = async (prompt: string, dir: string, env: Record<string, string> = {}) => {
  const r = await sb.cli(["start", "--json", "--cwd", dir, "-"], { stdin: prompt, env });
  expect(r.code, r.stderr).toBe(0);
  return r.json<JobJson>();
};
const status = async (id: string) => (await sb.cli(["status", id, "--json"])).json<JobJson>();

/**
 * Watches a PID in /proc only (no supervisor command looks), every 10 ms: the real end is after the
 * last time it was seen alive, and at most a moment (the waiter's own scheduling) after it was seen gone.
 */
const watchEnd = async (pid: number) => {
  const deadline = Date.now() + 60_000;
  let lastAlive = Date.now();
  while (isAlive(pid)) {
    if (Date.now() > deadline) throw new Error(`pid ${pid} still alive after 60 s`);
    lastAlive = Date.now();
    await Bun.sleep(10);
  }
  return { lastAlive, goneAt: Date.now() };
};

/** The end recorded lies between the last sighting alive and the first gone (the file's clock may lag by a tick). */
const expectEndBetween = (endedAt: string | null, seen: { lastAlive: number; goneAt: number }) => {
  const at = Date.parse(endedAt!);
  expect(at).toBeGreaterThanOrEqual(seen.lastAlive - 20);
  expect(at).toBeLessThanOrEqual(seen.goneAt + 1000);
};

/** Lets time pass with nobody looking: the scenario itself, not a wait for anything. */
const UNWATCHED_MS = 3000;

test("a ~1 s job that ended while nobody looked shows its real end and exit code 0", async () => {
  const job = await start("RUN: sleep 1\nREPLY: done", sb.project("quick"));
  const ended = await watchEnd(job.pid);
  await Bun.sleep(UNWATCHED_MS);
  const seen = await status(job.jobId);
  expect(seen.status).toBe("completed");
  expect(seen.exitCode).toBe(0);
  expectEndBetween(seen.endedAt, ended);
  // `status` (text) shows the job's own run time, not how long nobody looked
  const text = await sb.cli(["status", job.jobId]);
  expect(text.stdout).toMatch(/status\s+completed \(exit 0\)/);
});

test("a codex that fails after a while, unobserved, shows its real exit code and end", async () => {
  const fake = join(sb.root, "fails-later");
  // past start's settle window (3 s), so that start does not see the end either
  writeFileSync(fake, "#!/bin/sh\ncat >/dev/null\nsleep 4\necho 'fatal: out of luck' >&2\nexit 7\n");
  chmodSync(fake, 0o755);
  const job = await start("hello", sb.project("fails"), { CODEX_SUPERVISOR_CODEX: fake });
  const ended = await watchEnd(job.pid);
  await Bun.sleep(UNWATCHED_MS);
  const seen = await status(job.jobId);
  expect(seen).toMatchObject({ status: "failed", exitCode: 7 });
  expectEndBetween(seen.endedAt, ended);
  expect(readFileSync(seen.stderrFile, "utf8")).toContain("fatal: out of luck");
});

test("the same bad argument gives the same exit code every time", async () => {
  for (let i = 0; i < 3; i++) {
    const r = await sb.cli(["start", "--json", "--cwd", sb.project(`bad-${i}`), "hi", "--", "--bogus-flag"]);
    expect(r.code, r.stdout + r.stderr).toBe(1);
    expect(r.json<JobJson>()).toMatchObject({ status: "failed", exitCode: 2 });
  }
});

test("a killed job shows how it ended: killed, by SIGTERM, at the kill; the waiting parent is gone too", async () => {
  const job = await start("RUN: sleep 60\nHOLD: 300", sb.project("killed"));
  await waitFor("the job's native Codex", async () => ((await status(job.jobId)).nativePid ? true : undefined));
  const before = Date.now();
  const killed = await sb.cli(["kill", job.jobId, "--grace", "5s"]);
  const after = Date.now();
  expect(killed.code, killed.stderr).toBe(0);
  const seen = await status(job.jobId);
  expect(seen.status).toBe("killed");
  expect(seen.exitCode).toBe(128 + 15);
  const endedAt = Date.parse(seen.endedAt!);
  expect(endedAt).toBeGreaterThanOrEqual(before);
  expect(endedAt).toBeLessThanOrEqual(after);
  expect((await sb.cli(["status", job.jobId])).stdout).toMatch(/status\s+killed \(SIGTERM, exit 143\)/);
  // nothing of the job is left: not Codex, not its tools, not the waiting parent
  await waitFor("every process of the job gone", () => sb.livePids().every((pid) => !readCmdline(pid).includes(job.jobId)) || undefined, 5000);
});

const readCmdline = (pid: number) => {
  try { return readFileSync(`/proc/${pid}/cmdline`, "utf8"); } catch { return ""; }
};
