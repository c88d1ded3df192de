import { expect, test } from "vitest";
import { collectJobTree, isStrayOfJob } from "../../src/core/tree.ts";
import { JOB, proc } from "./fixtures.ts";

// the job's thread is known (its native Codex holds the rollout open): a stray need not share it
const marks = { jobId: JOB, threadId: "thread-1", createdAt: 1_700_000_000_000, uid: 1000 };
const env = (extra: Record<string, string> = {}) => new Map(Object.entries({ CODEX_SUPERVISOR_JOB_ID: JOB, CODEX_THREAD_ID: "thread-1", ...extra }));
const init = proc(1, ["/sbin/init"], { name: "init", uid: 0 });

test("adopts a reparented tool process that carries the job's marker and thread", () => {
  const stray = proc(500, ["sleep", "30"], { ppid: 1 });
  expect(isStrayOfJob(stray, env(), init, marks)).toBe(true);
});

test("does not adopt a decoy carrying the marker under a live parent of its own", () => {
  const shell = proc(400, ["bash"], { name: "bash" });
  const decoy = proc(500, ["codex", "exec"], { ppid: 400 });
  expect(isStrayOfJob(decoy, env(), shell, marks)).toBe(false);
});

test("adopts a reparented stray with the job's marker whatever its thread: none (a login shell's daemon) or another (a sub-agent's)", () => {
  const stray = proc(500, ["sleep", "30"], { ppid: 1 });
  const noThread = env();
  noThread.delete("CODEX_THREAD_ID");
  expect(isStrayOfJob(stray, noThread, init, marks)).toBe(true);
  expect(isStrayOfJob(stray, env({ CODEX_THREAD_ID: "thread-2" }), init, marks)).toBe(true);
});

test("does not adopt a marker-carrying process of another user or time, or with another job's marker", () => {
  const stray = proc(500, ["sleep", "30"], { ppid: 1 });
  expect(isStrayOfJob({ ...stray, uid: 1001 }, env(), init, marks)).toBe(false);
  expect(isStrayOfJob({ ...stray, startedAt: marks.createdAt - 60_000 }, env(), init, marks)).toBe(false);
  expect(isStrayOfJob(stray, undefined, init, marks)).toBe(false);
  expect(isStrayOfJob(stray, new Map([["CODEX_SUPERVISOR_JOB_ID", `${JOB}x`]]), init, marks)).toBe(false);
});

test("the job tree holds the roots, their descendants and the strays' descendants, never init", () => {
  const table = [
    init, proc(10, ["node", "codex"]), proc(11, ["codex"], { ppid: 10 }), proc(12, ["bash"], { ppid: 11, sid: 12 }),
    proc(500, ["sleep"], { ppid: 1 }), proc(501, ["child"], { ppid: 500 }), proc(600, ["other"], { ppid: 1 }),
  ];
  const tree = collectJobTree(table, [table[1]!], [table[4]!], 1000);
  expect(tree.map((p) => p.pid).sort((a, b) => a - b)).toEqual([10, 11, 12, 500, 501]);
});

test("a descendant of another user is in the tree when it started after its parent (a tool that switched user), not when older", () => {
  const table = [
    init, proc(10, ["node", "codex"]), proc(11, ["bash"], { ppid: 10 }),
    proc(12, ["sleep"], { ppid: 11, uid: 65534 }), proc(13, ["child"], { ppid: 12, uid: 65534 }),
    // older than its parent: not forked by it, so not proven the job's
    proc(14, ["sshd"], { ppid: 11, uid: 0, startedAt: 1_600_000_000_000 }), proc(15, ["sshd"], { ppid: 14, uid: 0 }),
  ];
  const tree = collectJobTree(table, [table[1]!], [], 1000);
  expect(tree.map((p) => p.pid).sort((a, b) => a - b)).toEqual([10, 11, 12, 13]);
});
