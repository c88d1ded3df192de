import { Database } from "bun:sqlite";
import { execFileSync } from "node:child_process";
import { mkdirSync, readdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect } from "vitest";
import { commandOf, createSandbox, fullPassOnly, inPasses, isAlive, type Sandbox, waitFor } from "./support/harness.ts";
import { hasVariable, ppidOf } from "./support/procs.ts";

interface JobJson { jobId: string; pid: number; nativePid: number | null; threadId: string | null; status: string; cwd: string; pids?: number[]; python: { python?: string; venv?: string } }
interface ListJson { jobs: JobJson[]; untracked: Array<{ pid: number; pids: number[]; kind: string; threadId: string | null; cwd: string | null }> }

const EXEC_ARGS = ["--skip-git-repo-check", "--dangerously-bypass-approvals-and-sandbox"];
let sb: Sandbox;

beforeAll(() => {
  sb = createSandbox();
  // the sandbox's global config: what a user would put in ~/.config/codex-supervisor/config.json
  mkdirSync(join(sb.env.XDG_CONFIG_HOME!, "codex-supervisor"), { recursive: true });
  writeFileSync(join(sb.env.XDG_CONFIG_HOME!, "codex-supervisor", "config.json"), JSON.stringify({ codex: { args: EXEC_ARGS } }));
});
afterAll(async () => { await sb.cleanup(); });

const start = async (prompt: string, cwd: string, extra: string[] = []) => {
  const r = await sb.cli(["start", "--json", "--cwd", cwd, ...extra, "-"], { stdin: prompt });
  expect(r.code, r.stderr).toBe(0);
  return r.json<JobJson>();
};
const list = async (all = false) => (await sb.cli(["list", "--json", ...(all ? ["--all"] : [])])).json<ListJson>();
const status = async (id: string) => (await sb.cli(["status", id, "--json"])).json<JobJson & { lastAgentMessage: string | null }>();
const pidsOfJob = (jobId: string) => sb.livePids().filter((pid) => hasVariable(pid, "CODEX_SUPERVISOR_JOB_ID", jobId));

describe("start and list", () => {
  inPasses(["portable", "older"])("start returns while the job keeps running, and list shows it tracked with its thread", async () => {
    const dir = sb.project("long");
    const job = await start("RUN: sleep 20\nHOLD: 300\nREPLY: secret-prompt-words", dir);
    expect(job.jobId).toMatch(/^[0-9a-f-]{36}$/);
    expect(isAlive(job.pid)).toBe(true);
    // the prompt travels on stdin: no process's argv shows it, while the job's marker is there
    const argv = commandOf(job.pid);
    expect(argv).toContain(`CODEX_SUPERVISOR_JOB_ID="${job.jobId}"`);
    expect(argv).not.toContain("secret-prompt-words");
    const seen = await waitFor("the job's thread in list", async () => {
      const entry = (await list()).jobs.find((j) => j.jobId === job.jobId);
      return entry?.threadId ? entry : undefined;
    });
    expect(seen.status).toBe("running");
    expect(seen.cwd).toBe(dir);
    expect(seen.pids).toContain(job.pid);
    expect(seen.nativePid).not.toBeNull();
    // the rollout file named in Codex's history is this thread's
    const day = readdirSync(join(sb.codexHome, "sessions"), { recursive: true }).map(String);
    expect(day.some((f) => f.endsWith(`${seen.threadId}.jsonl`))).toBe(true);
    // status and logs of the running job read its history (the thread found from its open rollout)
    const running = await status(job.jobId);
    expect({ status: running.status, threadId: running.threadId }).toEqual({ status: "running", threadId: seen.threadId });
    // the thread opens before Codex writes the model's call of the tool to it
    const logs = await waitFor("the tool's call in logs", async () => {
      const r = await sb.cli(["logs", job.jobId]);
      return r.stdout.includes("sleep 20") ? r : undefined;
    });
    expect(logs.code, logs.stderr).toBe(0);
    expect(logs.stdout).not.toContain("no Codex history found");
    const killed = await sb.cli(["kill", job.jobId, "--grace", "1s"]);
    expect(killed.code, killed.stderr).toBe(0);
  });

  fullPassOnly("a Codex started outside the supervisor shows once, launcher and native as one", async () => {
    const dir = sb.project("outside");
    const outside = sb.spawnCodex("STALL: 30", dir); // waiting on the model: a RUN'd Codex ends after ~11 s
    try {
      const entry = await waitFor("the outside Codex in list", async () =>
        (await list()).untracked.find((u) => u.pids.includes(outside.pid) && u.pids.length === 2));
      const all = (await list()).untracked.filter((u) => u.pids.some((p) => entry.pids.includes(p)));
      expect(all).toHaveLength(1);
      expect(entry.kind).toBe("exec");
      expect(entry.cwd).toBe(dir);
      expect((await list()).jobs.some((j) => j.pids?.includes(outside.pid))).toBe(false);
    } finally {
      outside.kill("SIGKILL");
    }
  });
});

describe("logs and status", () => {
  inPasses(["older"])("a finished job's logs show its command output and last agent message; its status is completed", async () => {
    const job = await start("RUN: echo hello-from-the-tool\nREPLY: all finished", sb.project("finish"));
    const done = await waitFor("completion", async () => {
      const s = await status(job.jobId);
      return s.status === "completed" ? s : undefined;
    });
    expect(done.lastAgentMessage).toBe("all finished");
    const logs = await sb.cli(["logs", job.jobId]);
    expect(logs.code, logs.stderr).toBe(0);
    expect(logs.stdout).toContain("hello-from-the-tool");
    expect(logs.stdout).toContain("all finished");
    const lines = (await sb.cli(["logs", job.jobId, "--json"])).stdout.trim().split("\n").map((l) => JSON.parse(l));
    expect(lines.some((e) => JSON.stringify(e).includes("hello-from-the-tool"))).toBe(true);
  });


  fullPassOnly("logs --follow streams a running job's new events and returns when it ends", async () => {
    const job = await start("RUN: sleep 2; echo printed-later\nREPLY: followed to the end", sb.project("follow"));
    const r = await sb.cli(["logs", job.jobId, "--follow"]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain("printed-later");
    expect(r.stdout).toContain("followed to the end");
    expect((await status(job.jobId)).status).toBe("completed");
  });
});

describe("kill", () => {
  inPasses(["portable", "older"])("ends a job whose tool left a SIGTERM-ignoring grandchild in its own session", async () => {
    const job = await start(`RUN: setsid bash -c 'trap "" TERM; sleep 300' & sleep 300\nHOLD: 300`, sb.project("stubborn"));
    // the login shell's own start-up (rc files) also forks: wait for both sleeps, the tool's and the grandchild's
    // (bash -c runs its last command by exec, so the grandchild is a `sleep 300` that ignores SIGTERM)
    const tree = await waitFor("both sleeps", () => {
      const pids = pidsOfJob(job.jobId);
      return pids.filter((pid) => commandOf(pid) === "sleep 300 ").length >= 2 ? pids : undefined;
    });
    const r = await sb.cli(["kill", job.jobId, "--grace", "500ms", "--json", "--trace"]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.json<{ result: string }>().result).toBe("killed");
    for (const pid of [job.pid, ...tree]) expect(isAlive(pid)).toBe(false);
    // --trace: each phase on stderr as it ended, in order, with the ms since the command started
    const phases = r.stderr.trim().split("\n").map((line) => {
      const m = /^kill \+(\d+)ms (.*)$/.exec(line);
      expect(m, line).not.toBeNull();
      return { ms: Number(m![1]), text: m![2]! };
    });
    // a member slow to exit after its SIGKILL is sent another (killTree's REKILL_AFTER_MS): a phase may
    // repeat on a busy machine, so the order is compared with repeats in a row folded into one
    // the job's cgroup step comes after the tree's phases, and shows only when the group held what the walk
    // missed (here, the login shell's marked but thread-less daemons): the tree's own phases are compared
    const names = phases.map((p) => p.text.replace(/[:(].*$/, "").trim()).filter((name) => name !== "cgroup");
    expect(names.filter((name, i) => name !== names[i - 1]), r.stderr).toEqual([
      "kill command running", "job's processes read", "frozen", "SIGTERM sent", "continued all but the roots",
      // the grandchild outlived the grace, so the roots, frozen until it was gone, are past it too
      "past the deadline", "all but the roots gone", "past the deadline", "all gone, and a last look found nothing new",
    ]);
    expect(phases.map((p) => p.ms)).toEqual(phases.map((p) => p.ms).sort((a, b) => a - b));
    const at = (text: string) => phases.find((p) => p.text.startsWith(text))!;
    expect(at("past the deadline").text).toMatch(/^past the deadline: SIGKILL sent to [1-9]\d*$/);
    expect(at("past the deadline").ms - at("SIGTERM sent").ms).toBeGreaterThanOrEqual(499); // the grace, from the SIGTERM
    expect(pidsOfJob(job.jobId)).toEqual([]);
    expect((await status(job.jobId)).status).toBe("killed");
  });

  fullPassOnly("ends the whole tree after the launcher was SIGKILLed and the native Codex orphaned", async () => {
    const job = await start("RUN: sleep 300\nHOLD: 120", sb.project("orphaned"));
    const tree = await waitFor("native and tool", () => {
      const pids = pidsOfJob(job.jobId);
      return pids.length >= 3 ? pids : undefined;
    });
    // the native must have been recorded while its launcher was alive
    await waitFor("the native pid recorded", async () => (await status(job.jobId)).nativePid ?? undefined);
    process.kill(job.pid, "SIGKILL");
    await waitFor("the launcher gone", () => !isAlive(job.pid));
    expect(pidsOfJob(job.jobId).length).toBeGreaterThanOrEqual(2);
    const r = await sb.cli(["kill", job.jobId, "--grace", "1s"]);
    expect(r.code, r.stderr).toBe(0);
    for (const pid of tree) expect(isAlive(pid)).toBe(false);
  });

  inPasses(["portable"])("ends the stray a tool left reparented to init in its own session, found by the job's marker", async () => {
    const job = await start("RUN: (setsid sleep 301 &); sleep 300", sb.project("stray"));
    const stray = await waitFor("the stray sleep, adopted by init", () =>
      pidsOfJob(job.jobId).find((pid) => commandOf(pid) === "sleep 301 " && ppidOf(pid) === 1));
    const r = await sb.cli(["kill", job.jobId, "--grace", "1s", "--json"]);
    expect(r.code, r.stderr).toBe(0);
    const killed = r.json<{ result: string; members: Array<{ pid: number }>; survivors: number[]; unchecked: string[] }>();
    expect(killed).toMatchObject({ result: "killed", survivors: [], unchecked: [] });
    // found by the walk (its marker), not only ended by the job's cgroup afterwards
    expect(killed.members.map((m) => m.pid)).toContain(stray);
    expect(isAlive(stray)).toBe(false);
  });

  inPasses(["portable"])("refuses when the recorded PID belongs to another process now, which survives", async () => {
    const job = await start("RUN: echo quick", sb.project("reused"));
    await waitFor("completion", async () => (await status(job.jobId)).status !== "running" || undefined);
    // and nothing of it left: a marker-carrying leftover of its login shell (pyenv's rehash) is the job's,
    // and a kill would rightly end it instead of refusing
    await waitFor("no process of the job left", () => pidsOfJob(job.jobId).length === 0 || undefined);
    const other = Bun.spawn(["sleep", "60"], { env: sb.env });
    try {
      // what PID reuse looks like from the database's side: the recorded number now names another process
      const db = new Database(sb.dbPath);
      db.run("UPDATE jobs SET launcher_pid = ?, native_pid = NULL, status = 'running', ended_at = NULL WHERE id = ?", [other.pid, job.jobId]);
      db.close();
      const r = await sb.cli(["kill", job.jobId]);
      expect(r.code).toBe(4);
      expect(r.stderr).toMatch(/refusing to kill .*pid \d+ now belongs to another process/);
      expect(isAlive(other.pid)).toBe(true);
    } finally {
      other.kill("SIGKILL");
    }
  });
});

describe("python", () => {
  inPasses(["older"])("a job started in a subdirectory runs the project's .venv, module and sys.prefix", async () => {
    const project = sb.project("pyproj");
    execFileSync("python3", ["-m", "venv", "--without-pip", join(project, ".venv")]);
    const site = execFileSync(join(project, ".venv/bin/python"), ["-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"]).toString().trim();
    writeFileSync(join(site, "cs_probe_mod.py"), "VALUE = 'venv-only-module'\n");
    expect(() => execFileSync("python3", ["-c", "import cs_probe_mod"], { stdio: "ignore", env: sb.env })).toThrow();
    const sub = join(project, "src", "pkg");
    mkdirSync(sub, { recursive: true });
    const job = await start(`RUN: python -c "import cs_probe_mod, sys; print('PREFIX=' + sys.prefix, cs_probe_mod.VALUE)"`, sub);
    expect(job.python.venv).toBe(join(project, ".venv"));
    await waitFor("completion", async () => (await status(job.jobId)).status === "completed" || undefined);
    const logs = (await sb.cli(["logs", job.jobId])).stdout;
    expect(logs).toContain(`PREFIX=${join(project, ".venv")} venv-only-module`);
  });
});
