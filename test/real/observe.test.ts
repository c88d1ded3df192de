import { readdirSync, readFileSync, writeFileSync } from "node:fs";
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
/** Live processes carrying this job's marker whose command line is `command` (read from /proc, not from the supervisor). */
const markedAs = (jobId: string, command: string) => readdirSync("/proc").filter((d) => /^\d+$/.test(d)).map(Number)
  .filter((pid) => commandOf(pid) === command && environOf(pid).includes(`CODEX_SUPERVISOR_JOB_ID=${jobId}\0`));

describe("a codex exec inside a job (point 2)", () => {
  test("is listed inside its job with its thread, not as untracked, its memory counted once; a tracked:false policy never sees it", async () => {
    config([{ name: "strangers", match: { tracked: false }, when: { runtimeOver: "1s" }, do: ["notify"] }]);
    const nested = `${CODEX_BIN} exec --skip-git-repo-check --dangerously-bypass-approvals-and-sandbox 'STALL: 60' </dev/null >/dev/null 2>&1`;
    // the sleeps keep the outer job running while the nested one waits on its model
    const job = await start(`RUN: ${nested}\nRUN: sleep 30\nRUN: sleep 30`, sb.project("outer"));
    // a Codex nobody tracks, for the tracked:false policy to fire on: what shows it judges untracked Codex at all
    const stranger = sb.spawnCodex("STALL: 60", sb.project("stranger"));
    try {
      const seen = await waitFor("the nested codex with its thread, in the job", async () => {
        const listed = await list();
        const entry = listed.jobs.find((j) => j.jobId === job.jobId);
        return entry?.nestedCodex.some((n) => n.threadId !== null && n.pids.length === 2) ? { listed, entry } : undefined;
      }, 45_000);
      const inner = seen.entry.nestedCodex[0]!;
      expect(inner.kind).toBe("exec");
      for (const pid of inner.pids) expect(seen.entry.pids).toContain(pid);
      // its processes are in no untracked entry: its memory counts in the job only
      const untrackedPids = seen.listed.untracked.flatMap((u) => u.pids);
      for (const pid of inner.pids) expect(untrackedPids).not.toContain(pid);
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
  });
});

describe("strays of an ended job (point 4)", () => {
  test("a daemon a completed job left is shown by status, list and list --all with its pid, and an orphaned policy judges it", async () => {
    config([{ name: "orphans", when: { orphaned: true }, do: ["notify"] }]);
    const job = await start("RUN: (setsid sh -c 'sleep 900 & exit' &)\nREPLY: left a daemon", sb.project("daemon"));
    const status = async () => (await sb.cli(["status", job.jobId, "--json"])).json<{ status: string; pids: number[]; strays: number[] }>();
    const done = await waitFor("the job completed", async () => {
      const s = await status();
      return s.status === "completed" ? s : undefined;
    }, 45_000);
    const [daemon] = markedAs(job.jobId, "sleep 900 ");
    expect(daemon).toBeDefined();
    expect(done.strays).toEqual([daemon]);
    expect(done.pids).toEqual([daemon]);
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
  });
});

describe("an untracked Codex started with --cd (point 14)", () => {
  test("is listed, and judged, where --cd (or -C, relative to its own cwd) says, not where it was launched", async () => {
    const launchedFrom = sb.project("launcher");
    const work = sb.project("launcher/work");
    const elsewhere = sb.project("elsewhere");
    sb.writeGlobalConfig({ codex: { args: EXEC_ARGS }, policies: [] });
    writeFileSync(join(elsewhere, ".codex-supervisorrc.json"), JSON.stringify({ policies: [{ name: "here", match: { tracked: false }, when: { runtimeOver: "1s" }, do: ["notify"] }] }));
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
  });
});
