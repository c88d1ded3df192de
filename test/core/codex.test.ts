import { describe, expect, test } from "vitest";
import { cdArgument, claimedJobId, codexKind, collectDescendants, findCodexProcesses, isTuiDaemon, ownRollout, threadCreatedAt, threadIdFromRolloutPath } from "../../src/core/codex.ts";
import { JOB, LAUNCHER_ARGV, NATIVE_ARGV, proc } from "./fixtures.ts";

describe("findCodexProcesses", () => {
  test("folds the npm launcher and its native binary into one program", () => {
    const table = [proc(10, LAUNCHER_ARGV), proc(11, NATIVE_ARGV, { ppid: 10 }), proc(12, ["/bin/bash", "-c", "sleep 1"], { ppid: 11 })];
    const groups = findCodexProcesses(table);
    expect(groups).toHaveLength(1);
    expect(groups[0]!.launcher?.pid).toBe(10);
    expect(groups[0]!.native?.pid).toBe(11);
    expect(groups[0]!.kind).toBe("exec");
    expect(groups[0]!.claimedJobId).toBe(JOB);
  });

  test("an orphaned native binary is a program of its own", () => {
    const groups = findCodexProcesses([proc(11, NATIVE_ARGV, { ppid: 1 })]);
    expect(groups.map((g) => [g.root.pid, g.launcher, g.native?.pid])).toEqual([[11, undefined, 11]]);
  });

  test("ignores zombies and unrelated processes that merely mention codex", () => {
    const table = [proc(10, LAUNCHER_ARGV, { state: "Z" }), proc(20, ["grep", "codex exec"]), proc(21, ["vim", "codex.md"])];
    expect(findCodexProcesses(table)).toEqual([]);
  });

  test("names the kind of each program", () => {
    const kinds = [
      ["node", "/x/bin/codex", "app-server"],
      ["node", "/x/bin/codex", "mcp-server"],
      ["node", "/x/bin/codex", "exec", "resume", "0199"],
      ["node", "/x/bin/codex", "-m", "o3", "fix the bug"],
      ["node", "/x/bin/codex"],
      ["/x/codex", "-c", "a=b", "e", "hi"],
    ].map((argv, i) => codexKind(proc(100 + i, argv)));
    expect(kinds).toEqual(["app-server", "mcp-server", "exec-resume", "tui", "tui", "exec"]);
  });

  test("knows the subcommands later releases added, so they are not taken for the TUI", () => {
    const kinds = [
      ["node", "/x/bin/codex", "exec-server"],
      ["node", "/x/bin/codex", "remote-control"],
      ["/x/codex", "--remote", "ws://127.0.0.1:1", "exec", "hi"],
      ["/home/u/.codex/packages/app-server-daemon/releases/0.169.0/bin/codex", "app-server", "--listen", "unix://", "--managed-daemon"],
      ["node", "/x/bin/codex", "--remote", "ws://127.0.0.1:1"],
    ].map((argv, i) => codexKind(proc(100 + i, argv)));
    expect(kinds).toEqual(["exec-server", "remote-control", "exec", "app-server", "tui"]);
  });
});

describe("claimedJobId", () => {
  test("reads the marker only as a -c value, quoted or not", () => {
    expect(claimedJobId(proc(1, ["codex", "-c", `shell_environment_policy.set.CODEX_SUPERVISOR_JOB_ID=${JOB}`]))).toBe(JOB);
    expect(claimedJobId(proc(1, ["codex", `shell_environment_policy.set.CODEX_SUPERVISOR_JOB_ID=${JOB}`]))).toBeUndefined();
    expect(claimedJobId(proc(1, ["codex", "exec", `echo CODEX_SUPERVISOR_JOB_ID=${JOB}`]))).toBeUndefined();
  });
});

describe("collectDescendants", () => {
  test("follows children across sessions and process groups, and never includes init", () => {
    const table = [
      proc(10, ["a"]), proc(11, ["b"], { ppid: 10 }), proc(12, ["c"], { ppid: 11, sid: 12, pgid: 12 }),
      proc(13, ["d"], { ppid: 12 }), proc(14, ["unrelated"], { ppid: 1 }),
    ];
    expect(collectDescendants(table, [10]).map((p) => p.pid).sort()).toEqual([11, 12, 13]);
  });
});

test("threadIdFromRolloutPath takes the uuid at the end of a rollout file name", () => {
  expect(threadIdFromRolloutPath("/h/sessions/2026/11/21/rollout-2026-11-21T04-36-41-01a1fc64-6af5-7082-9263-1c7347954802.jsonl"))
    .toBe("01a1fc64-6af5-7082-9263-1c7347954802");
  expect(threadIdFromRolloutPath("/h/sessions/notes.jsonl")).toBeUndefined();
});

describe("cdArgument", () => {
  test("reads --cd and -C in every spelling Codex accepts, not -c, not past `--`", () => {
    const cd = (...args: string[]) => cdArgument(proc(1, ["node", "/x/bin/codex.js", ...args]));
    expect(cd("exec", "--experimental-json", "--cd", "/work/app", "-")).toBe("/work/app");
    expect(cd("exec", "-C", "sub", "hi")).toBe("sub");
    expect(cd("exec", "--cd=/a b")).toBe("/a b");
    expect(cd("-C/srv", "exec")).toBe("/srv");
    expect(cd("exec", "-c", "cd=/not", "-m", "--cd", "hi")).toBeUndefined();
    expect(cd("exec", "--", "--cd", "/prompt")).toBeUndefined();
    expect(cdArgument(proc(2, ["/x/vendor/codex", "exec", "--cd", "/native"]))).toBe("/native");
  });
});

describe("a TUI's app-server", () => {
  const TUI = ["node", "/x/bin/codex.js", "fix it"];
  const TUI_NATIVE = ["/x/vendor/codex", "fix it"];
  const DAEMON = ["/h/.codex/packages/app-server-daemon/releases/0.169.0/bin/codex", "app-server", "--listen", "unix://", "--managed-daemon"];
  const LOOP = ["/h/.codex/packages/app-server-daemon/releases/0.169.0/bin/codex", "app-server", "daemon", "pid-update-loop"];

  test("is folded into the TUI while its parent lives, as a helper whose open files name the thread", () => {
    const table = [proc(10, TUI), proc(11, TUI_NATIVE, { ppid: 10 }), proc(12, DAEMON, { ppid: 11 }), proc(13, LOOP, { ppid: 11 })];
    const groups = findCodexProcesses(table);
    expect(groups.map((g) => [g.root.pid, g.kind, g.helpers.map((h) => h.pid)])).toEqual([[10, "tui", [12, 13]]]);
  });

  test("is a program of its own once the TUI is gone, and known as a TUI's daemon", () => {
    const groups = findCodexProcesses([proc(12, DAEMON), proc(13, LOOP)]);
    expect(groups.map((g) => [g.root.pid, g.kind])).toEqual([[12, "app-server"], [13, "app-server"]]);
    expect(groups.every((g) => isTuiDaemon(g.root))).toBe(true);
    expect(isTuiDaemon(proc(14, ["/x/vendor/codex", "app-server"]))).toBe(false);
  });
});

describe("ownRollout", () => {
  // What a Codex 0.171 native held open as it started, 1 ms apart (`bun bench/tools/rollout-opens.ts`):
  // first the rollout of a thread killed mid-turn, then its own, under its own writer lock.
  const home = "/tmp/cs/codex-home";
  const killed = `${home}/sessions/2026/12/06/rollout-2026-12-06T23-39-55-01a24dba-7632-7153-bb60-e21a2f5410d6.jsonl`;
  const own = `${home}/sessions/2026/12/06/rollout-2026-12-06T23-39-58-01a24dba-8276-7f62-b3b0-6d8fffb4b1c9.jsonl`;
  const lock = `${home}/thread-writer-locks/01a24dba-8276-7f62-b3b0-6d8fffb4b1c9.lock`;
  const coordination = `${home}/thread-writer-locks/.coordination.lock`;
  const ownThread = { threadId: "01a24dba-8276-7f62-b3b0-6d8fffb4b1c9", rolloutPath: own };
  const jobStart = Date.parse("2026-12-06T23:39:57.500Z");

  test("a thread id is a UUIDv7: its first 48 bits are when it was created", () => {
    expect(new Date(threadCreatedAt("01a24dba-8276-7f62-b3b0-6d8fffb4b1c9")!).toISOString()).toBe("2026-12-06T23:39:58.454Z");
    expect(threadCreatedAt("6f9619ff-8b86-4011-b42d-00c04fc964ff")).toBeUndefined(); // v4: no time in it
  });

  test("with a writer lock held, the locked thread and only it: another thread's rollout read meanwhile is not the job's", () => {
    expect(ownRollout([coordination, lock, killed], { codexHome: home, notBefore: 0 })).toBeUndefined();
    expect(ownRollout([coordination, lock, killed, own], { codexHome: home })).toEqual(ownThread);
    expect(ownRollout([killed, own, lock], { codexHome: home })).toEqual(ownThread);
  });

  test("without a lock (Codex 0.128), only a thread created since the job began, the newest", () => {
    expect(ownRollout([killed], { codexHome: home, notBefore: jobStart })).toBeUndefined();
    expect(ownRollout([killed, own], { codexHome: home, notBefore: jobStart })).toEqual(ownThread);
    expect(ownRollout([own, killed], {})).toEqual(ownThread);
  });

  test("a thread id with no time in it (not a UUIDv7) cannot be judged by age: it stays a candidate, after the dated ones", () => {
    const undated = `${home}/sessions/2026/12/06/rollout-2026-12-06T23-39-58-6f9619ff-8b86-4011-b42d-00c04fc964ff.jsonl`;
    expect(ownRollout([killed, undated], { codexHome: home, notBefore: jobStart })?.rolloutPath).toBe(undated);
    expect(ownRollout([undated, own], { codexHome: home, notBefore: jobStart })).toEqual(ownThread);
  });

  test("a resumed thread is the job's under its own id, however old", () => {
    const resumed = { threadId: "01a24dba-7632-7153-bb60-e21a2f5410d6" };
    expect(ownRollout([killed], { codexHome: home, notBefore: jobStart, ...resumed })).toEqual({ ...resumed, rolloutPath: killed });
  });

  test("rollouts and locks of another CODEX_HOME do not count", () => {
    const elsewhere = [own.replace(home, "/other"), lock.replace(home, "/other")];
    expect(ownRollout(elsewhere, { codexHome: home })).toBeUndefined();
    expect(ownRollout([...elsewhere, killed], { codexHome: home, notBefore: jobStart })).toBeUndefined();
  });
});
