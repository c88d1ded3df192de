/**
 * The database must never stand between a kill and its signals (issue 22, point 7): a kill
 * reads, signals, and only then records; a full disk leaves the read-only commands working.
 */
import { Database } from "bun:sqlite";
import { spawnSync } from "node:child_process";
import { mkdirSync, openSync, rmSync, writeSync, closeSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { createSandbox, isAlive, REPO, type Sandbox, waitFor } from "./support/harness.ts";

const CLI = join(REPO, "bin/codex-supervisor.ts");

interface JobJson { jobId: string; pid: number; nativePid: number | null; status: string; pids: number[] }

let sb: Sandbox;
beforeAll(() => { sb = createSandbox(); });
afterAll(async () => { await sb.cleanup(); });

const EXEC_ARGS = ["--skip-git-repo-check", "--dangerously-bypass-approvals-and-sandbox"];
// A real Codex whose model holds its last reply runs until it is killed, however loaded the machine, with its
// tool's processes alive (a `RUN: sleep` alone is handed back to the model when exec_command yields, after
// 10 s, and the job then ends on its own): launcher, native Codex, the tool's shell and its two sleeps.
const LONG_JOB = "RUN: sleep 300 & sleep 300\nHOLD: 300";

const startJob = async (prompt: string, cwd: string, env: Record<string, string> = {}) => {
  const r = await sb.cli(["start", "--json", "--cwd", cwd, "-"], { stdin: prompt, env });
  expect(r.code, r.stderr).toBe(0);
  return r.json<JobJson>();
};

/** The job's whole tree as `status` sees it once the native Codex and its children are up. */
const runningTree = (id: string, env: Record<string, string> = {}) =>
  waitFor("the job's tree up", async () => {
    const s = (await sb.cli(["status", id, "--json"], { env })).json<JobJson>();
    return s.nativePid !== null && s.pids.length >= 4 ? s : undefined;
  });

/** Holds SQLite's write lock on `path` from a second connection, as a long transaction elsewhere would. */
const holdWriteLock = (path: string) => {
  const db = new Database(path);
  db.run("BEGIN IMMEDIATE");
  return { release: () => { db.run("ROLLBACK"); db.close(); } };
};

describe("database", { timeout: 120_000 }, () => {
  test("kill ends the tree while another connection holds the write lock, then says the record failed", async () => {
    sb.writeGlobalConfig({ codex: { args: EXEC_ARGS } });
    const job = await startJob(LONG_JOB, sb.project("locked"));
    const tree = await runningTree(job.jobId);
    const lock = holdWriteLock(sb.dbPath);
    try {
      const kill = Bun.spawn([process.execPath, CLI, "kill", job.jobId, "--grace", "300ms"], { cwd: sb.root, env: sb.env, stdout: "pipe", stderr: "pipe" });
      // the signals go out first: the tree is gone while the kill still tries to record it
      await waitFor("the tree gone", () => tree.pids.every((pid) => !isAlive(pid)) || undefined, 8000);
      expect(kill.exitCode).toBeNull();
      const [stdout, stderr, code] = await Promise.all([new Response(kill.stdout).text(), new Response(kill.stderr).text(), kill.exited]);
      expect(code).toBe(1);
      expect(stdout).toMatch(/killed job/);
      expect(stderr).toMatch(/could not record the kill .*database is locked/);
    } finally {
      lock.release();
    }
    // once the lock is gone, the job reads as killed (the kill request was never written: the end is seen as it is)
    const after = (await sb.cli(["status", job.jobId, "--json"])).json<JobJson>();
    expect(after.pids).toEqual([]);
  });

  test("on a full disk, list and status work and kill ends the tree", async () => {
    const mount = join(sb.root, "small");
    mkdirSync(mount);
    const mounted = spawnSync("mount", ["-t", "tmpfs", "-o", "size=2m", "tmpfs", mount]);
    expect(mounted.status, String(mounted.stderr)).toBe(0);
    try {
      const env = { CODEX_SUPERVISOR_DB: join(mount, "state", "jobs.db") };
      const job = await startJob(LONG_JOB, sb.project("full"), env);
      const tree = await runningTree(job.jobId, env);
      // fill the filesystem to the last byte
      const fd = openSync(join(mount, "filler"), "w");
      const chunk = Buffer.alloc(4096, 1);
      try { for (;;) writeSync(fd, chunk); } catch { /* ENOSPC: full */ }
      try { for (;;) writeSync(fd, chunk, 0, 1); } catch { /* not a byte more */ }
      closeSync(fd);
      const list = await sb.cli(["list", "--json"], { env });
      expect(list.code, list.stderr).toBe(0);
      expect(list.json<{ jobs: JobJson[] }>().jobs.map((j) => j.jobId)).toContain(job.jobId);
      const status = await sb.cli(["status", job.jobId, "--json"], { env });
      expect(status.code, status.stderr).toBe(0);
      expect(status.json<JobJson>().status).toBe("running");
      const kill = await sb.cli(["kill", job.jobId, "--grace", "300ms"], { env });
      for (const pid of tree.pids) expect(isAlive(pid), `pid ${pid} of the tree`).toBe(false);
      expect(kill.stdout).toMatch(/killed job/);
      expect(kill.code).toBe(1);
      expect(kill.stderr).toMatch(/could not record the kill/);
      // room again: the next look records what happened
      rmSync(join(mount, "filler"));
      const after = (await sb.cli(["status", job.jobId, "--json"], { env })).json<JobJson>();
      expect(after.pids).toEqual([]);
    } finally {
      spawnSync("umount", ["-l", mount]);
    }
  });
});
