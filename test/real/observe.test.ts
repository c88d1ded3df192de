import { readdirSync, readFileSync, readlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { CODEX_BIN, commandOf, createSandbox, isAlive, type Sandbox, waitFor } from "./support/harness.ts";

// What `list`, `status` and the watchdog see of real Codex: a codex exec run inside a job (a
// sub-agent) is the job's; a daemon a finished job left is shown as the job's stray; an untracked
// Codex started with --cd works where --cd says; a 0.169 TUI's thread is found through its app-server.

interface JobJson { jobId: string; status: string; pids: number[]; strays: number[]; memory: number; nestedCodex: Array<{ pid: number; pids: number[]; kind: string; threadId: string | null }> }
interface UntrackedJson { pid: number; pids: number[]; kind: string; threadId: string | null; cwd: string | null; memory: number; leftoverOf: string | null }
interface ListJson { jobs: JobJson[]; untracked: UntrackedJson[] }
interface EventJson { kind: string; jobId: string | null; pid: number | null; policy: string | null; message: string }

// Tool commands run without a login shell: on a busy machine the rc files (pyenv's rehash) take longer than
// exec_command's yield, and the job would end before its command ran.
const EXEC_ARGS = ["--skip-git-repo-check", "--dangerously-bypass-approvals-and-sandbox", "-c", "allow_login_shell=false"];
let sb: Sandbox;

beforeAll(() => { sb = createSandbox(); });
afterAll(async () => { await sb.cleanup(); });

const config = (policies: unknown[]) => sb.writeGlobalConfig({ codex: { args: EXEC_ARGS }, policies });
const start = async (prompt: string, cwd: string) => {
  const r = await sb.cli(["start", "--json", "--cwd", cwd, "-"], { stdin: prompt });
  expect(r.code, r.stderr).toBe(0);
  return r.json<{ jobId: string; pid: number }>();
};
const list = async (all = false) => {
  const r = await sb.cli(["list", "--json", ...(all ? ["--all"] : [])]);
  expect(r.code, r.stderr).toBe(0);
  return r.json<ListJson>();
};
const events = async () =>
  (await sb.cli(["events", "--json", "--limit", "1000"])).stdout.trim().split("\n").filter(Boolean).map((l) => JSON.parse(l) as EventJson);
/** One tick of the watchdog, from the sandbox's root (whose config is the global one). */
const watchOnce = async () => {
  const r = await sb.cli(["watch", "--once", "--cwd", sb.root]);
  expect(r.code, r.stderr).toBe(0);
};
const environOf = (pid: number) => { try { return readFileSync(`/proc/${pid}/environ`, "utf8"); } catch { return ""; } };
/** Live processes carrying this job's marker (read from /proc, not from the supervisor). */
const markedBy = (jobId: string) => readdirSync("/proc").filter((d) => /^\d+$/.test(d)).map(Number)
  .filter((pid) => isAlive(pid) && environOf(pid).includes(`CODEX_SUPERVISOR_JOB_ID=${jobId}\0`));
const markedAs = (jobId: string, command: string) => markedBy(jobId).filter((pid) => commandOf(pid) === command);

describe("a codex exec inside a job (point 2)", () => {
  test("is listed inside its job with its thread, not as untracked, its memory counted once; a tracked:false policy never sees it", async () => {
    config([{ name: "strangers", match: { tracked: false }, when: { runtimeOver: "1s" }, do: ["notify"] }]);
    const nested = `${CODEX_BIN} exec --skip-git-repo-check --dangerously-bypass-approvals-and-sandbox 'STALL: 60' </dev/null >/dev/null 2>&1`;
    // the sleeps keep the outer job running while the nested one waits on its model
    const job = await start(`RUN: ${nested}\nRUN: sleep 30\nRUN: sleep 30\nHOLD: 300`, sb.project("outer"));
    // a Codex nobody tracks, for the tracked:false policy to fire on: what shows it judges untracked Codex at all
    const stranger = sb.spawnCodex("STALL: 60", sb.project("stranger"));
    try {
      // found from /proc, not from the supervisor: the nested launcher and native, with the job's marker
      const innerPids = await waitFor("the nested codex's launcher and native", () => {
        const pids = markedBy(job.jobId).filter((pid) => commandOf(pid).endsWith(" STALL: 60 ") && !commandOf(pid).startsWith("/bin/bash"));
        return pids.length === 2 ? pids.sort((a, b) => a - b) : undefined;
      }, 45_000);
      const seen = await waitFor("the nested codex's thread known to list", async () => {
        const listed = await list();
        const entry = listed.jobs.find((j) => j.jobId === job.jobId);
        const known = [...(entry?.nestedCodex ?? []), ...listed.untracked].some((c) => typeof c.threadId === "string" && c.pids.includes(innerPids[1]!));
        return entry && known ? { listed, entry } : undefined;
      }, 45_000);
      for (const pid of innerPids) expect(seen.entry.pids).toContain(pid);
      // its processes are in no untracked entry: its memory counts in the job only
      const untrackedPids = seen.listed.untracked.flatMap((u) => u.pids);
      for (const pid of innerPids) expect(untrackedPids).not.toContain(pid);
      expect(seen.entry.nestedCodex).toHaveLength(1);
      const inner = seen.entry.nestedCodex[0]!;
      expect(inner).toMatchObject({ kind: "exec", pids: innerPids });
      expect(inner.threadId).toMatch(/^[0-9a-f-]{36}$/);
      expect(seen.listed.untracked.some((u) => u.threadId === inner.threadId)).toBe(false);

      await waitFor("the stranger's native", async () => (await list()).untracked.find((u) => u.pid === stranger.pid && u.pids.length === 2));
      await watchOnce();
      const decisions = (await events()).filter((e) => e.kind === "decision" && e.policy === "strangers");
      expect(decisions.map((e) => e.pid)).toContain(stranger.pid);
      expect(decisions.filter((e) => e.pid !== null && inner.pids.includes(e.pid))).toEqual([]);
      expect(isAlive(inner.pid)).toBe(true);
    } finally {
      stranger.kill("SIGKILL");
      await sb.cli(["kill", job.jobId, "--grace", "500ms"]);
    }
  }, 150_000);
});

describe("strays of an ended job (point 4)", () => {
  test("a daemon a completed job left is shown by status, list and list --all with its pid, and an orphaned policy judges it", async () => {
    config([{ name: "orphans", when: { orphaned: true }, do: ["notify"] }]);
    const dir = sb.project("daemon");
    // the tool's command returns once its daemon runs (the pid file written after setsid), not before: ended
    // sooner, Codex would end the command's session with the daemon not yet out of it
    const job = await start(`RUN: (setsid sh -c 'sleep 900 & echo $! > daemon.pid; exit' &); while [ ! -s daemon.pid ]; do sleep 0.05; done\nREPLY: left a daemon`, dir);
    const status = async () => (await sb.cli(["status", job.jobId, "--json"])).json<{ status: string; pids: number[]; strays: number[] }>();
    await waitFor("the job completed", async () => {
      const s = await status();
      return s.status === "completed" ? s : undefined;
    }, 45_000);
    const daemon = Number(readFileSync(join(dir, "daemon.pid"), "utf8"));
    expect(markedAs(job.jobId, "sleep 900 ")).toEqual([daemon]);
    // what the login shell of Codex's shell snapshot may have left a moment (pyenv's rehash) is the job's too:
    // wait until the daemon is all that is left, so what follows is about it alone
    await waitFor("the daemon alone left of the job", () => (markedBy(job.jobId).length === 1 ? true : undefined));
    const ended = await status();
    expect(ended.status).toBe("completed");
    expect(ended.strays).toEqual([daemon]);
    expect(ended.pids).toEqual([daemon]);
    const text = await sb.cli(["status", job.jobId]);
    expect(text.stdout).toMatch(new RegExp(`strays\\s+${daemon}\\b`));
    expect(text.stdout).not.toContain("none running");

    for (const all of [false, true]) {
      const entry = (await list(all)).jobs.find((j) => j.jobId === job.jobId);
      expect(entry, `list${all ? " --all" : ""}`).toMatchObject({ status: "completed", pids: [daemon], strays: [daemon] });
    }
    const table = await sb.cli(["list"]);
    expect(table.stdout).toMatch(new RegExp(`completed, strays\\s+${daemon}\\b`));

    await watchOnce();
    const decisions = (await events()).filter((e) => e.kind === "decision" && e.policy === "orphans");
    expect(decisions.map((e) => e.jobId)).toEqual([job.jobId]);
    expect(isAlive(daemon!)).toBe(true);
    const killed = await sb.cli(["kill", job.jobId, "--grace", "500ms", "--json"]);
    expect(killed.code, killed.stderr).toBe(0);
    expect(isAlive(daemon!)).toBe(false);
  }, 150_000);
});

describe("an untracked Codex started with --cd (point 14)", () => {
  test("is listed, and judged, where --cd (or -C, relative to its own cwd) says, not where it was launched", async () => {
    const launchedFrom = sb.project("launcher");
    const work = sb.project("launcher/work");
    const elsewhere = sb.project("elsewhere");
    sb.writeGlobalConfig({ codex: { args: EXEC_ARGS }, policies: [] });
    writeFileSync(join(elsewhere, ".codex-supervisorrc.json"), JSON.stringify({ policies: [{ name: "here", match: { tracked: false }, when: { runtimeOver: "1s" }, do: ["notify"] }] }));
    const trusted = await sb.cli(["trust", elsewhere]);
    expect(trusted.code, trusted.stderr).toBe(0);
    const spawn = (cd: string[]) => Bun.spawn([CODEX_BIN, "exec", ...cd, "--skip-git-repo-check", "--dangerously-bypass-approvals-and-sandbox", "STALL: 60"], {
      cwd: launchedFrom, env: sb.env, stdin: "ignore", stdout: "ignore", stderr: "ignore",
    });
    const absolute = spawn(["--cd", elsewhere]);
    const relative = spawn(["-C", "work"]);
    try {
      const seen = await waitFor("both, with their threads", async () => {
        const { untracked } = await list();
        const a = untracked.find((u) => u.pid === absolute.pid);
        const r = untracked.find((u) => u.pid === relative.pid);
        return a?.threadId && r?.threadId ? { a, r } : undefined;
      }, 45_000);
      expect(seen.a.cwd).toBe(elsewhere);
      expect(seen.r.cwd).toBe(work);
      // the project config of --cd's directory judges it; the launcher's directory has none
      await watchOnce();
      const decisions = (await events()).filter((e) => e.kind === "decision" && e.policy === "here");
      expect(decisions.map((e) => e.pid)).toEqual([absolute.pid]);
    } finally {
      absolute.kill("SIGKILL");
      relative.kill("SIGKILL");
    }
  }, 150_000);
});

describe("a 0.169 TUI in a real terminal (point 15)", () => {
  // a tmux server of its own, its socket in the sandbox (removed with it)
  const tmux = (socket: string, args: string[]) => Bun.spawnSync(["tmux", "-S", socket, ...args], { env: sb.env, stdout: "pipe", stderr: "pipe" });
  const rolloutsHeldBy = (pid: number) => readdirSync(`/proc/${pid}/fd`).flatMap((fd) => {
    try { return [readlinkSync(`/proc/${pid}/fd/${fd}`)]; } catch { return []; }
  }).filter((f) => f.endsWith(".jsonl"));
  /** Children by their parent PID in /proc/N/stat: a multi-threaded parent's task/N/children lists only its main thread's. */
  const childrenOf = (pid: number) => readdirSync("/proc").filter((d) => /^\d+$/.test(d)).map(Number).filter((child) => {
    try {
      const stat = readFileSync(`/proc/${child}/stat`, "utf8");
      return Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]) === pid;
    } catch { return false; }
  });

  test("its thread is found through its app-server child; SIGKILLed, what it leaves is listed as left by a dead TUI", async () => {
    const dir = sb.project("tui");
    // a trusted project: the TUI goes straight to its session, with no trust prompt to answer
    writeFileSync(join(sb.codexHome, "config.toml"), `${readFileSync(join(sb.codexHome, "config.toml"), "utf8")}\n[projects."${dir}"]\ntrust_level = "trusted"\n`);
    const socket = join(sb.root, "tmux.sock");
    const started = tmux(socket, ["new-session", "-d", "-s", "tui", "-x", "200", "-y", "50", "-c", dir, `${CODEX_BIN} 'STALL: 120'`]);
    expect(started.exitCode, started.stderr.toString()).toBe(0);
    try {
      const tui = await waitFor("the TUI with its thread", async () =>
        (await list()).untracked.find((u) => u.kind === "tui" && u.cwd === dir && u.threadId !== null && u.pids.length === 2), 150_000);
      // the thread is the one Codex wrote for this directory, and the TUI's own process does not hold it
      const rollouts = readdirSync(join(sb.codexHome, "sessions"), { recursive: true }).map(String).filter((f) => f.endsWith(".jsonl"));
      const mine = rollouts.filter((f) => readFileSync(join(sb.codexHome, "sessions", f), "utf8").split("\n")[0]!.includes(`"cwd":"${dir}"`));
      expect(mine.map((f) => f.slice(-42, -6))).toEqual([tui.threadId]);
      const native = tui.pids[1]!;
      const helpers = childrenOf(native).filter((pid) => commandOf(pid).includes("app-server"));
      expect(helpers.length).toBeGreaterThan(0);
      expect(rolloutsHeldBy(native)).toEqual([]);
      expect(helpers.flatMap(rolloutsHeldBy).map((f) => f.slice(-42, -6))).toContain(tui.threadId);

      for (const pid of tui.pids) process.kill(pid, "SIGKILL");
      const leftovers = await waitFor("the TUI's app-server listed as its leftover", async () => {
        const { untracked } = await list();
        const left = untracked.filter((u) => helpers.includes(u.pid));
        return left.length === helpers.length && untracked.every((u) => !tui.pids.includes(u.pid)) ? left : undefined;
      });
      for (const u of leftovers) expect(u).toMatchObject({ kind: "app-server", leftoverOf: "tui" });
      // the daemon still holds the dead TUI's thread, and says so
      expect(leftovers.map((u) => u.threadId)).toContain(tui.threadId);
      const table = await sb.cli(["list"]);
      expect(table.stdout).toContain("app-server (left by a dead tui)");
    } finally {
      tmux(socket, ["kill-server"]);
    }
  }, 240_000); // a fresh CODEX_HOME: the TUI first installs its app-server daemon there, ~40 s on a busy machine
});
