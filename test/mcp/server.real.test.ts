import { join } from "node:path";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { commandOf, createSandbox, fullPassOnly, isAlive, REPO, type Sandbox, waitFor } from "../real/support/harness.ts";
import { hasVariable, ppidOf } from "../real/support/procs.ts";

interface JobJson { jobId: string; pid: number; status: string; threadId: string | null; resumedFrom: string | null; cwd: string }
interface StatusJson {
  totals: { all: number; tracked: number; untracked: number };
  jobs: Array<JobJson & { pids: number[]; lastAgentMessage: string | null; lastActivityAt: string | null }>;
  untracked: Array<{ pid: number; pids: number[]; cwd: string | null; kind: string }>;
}
interface LogsJson { job: JobJson; events: Array<{ kind: string; text?: string }>; nextOffset: number; omitted: number }
interface KillJson extends JobJson { result: string; members: Array<{ pid: number }>; survivors: number[] }
interface ToolResult { isError?: boolean; content: Array<{ type: string; text?: string }>; structuredContent?: Record<string, unknown> }

const EXEC_ARGS = ["--skip-git-repo-check", "--dangerously-bypass-approvals-and-sandbox"];
let sb: Sandbox;
let transport: StdioClientTransport;
let client: Client;
let serverLog = "";

beforeAll(async () => {
  sb = createSandbox();
  sb.writeGlobalConfig({ codex: { args: EXEC_ARGS } });
  transport = new StdioClientTransport({
    command: process.execPath,
    args: [join(REPO, "bin/codex-supervisor.ts"), "mcp"],
    cwd: sb.root,
    env: sb.env,
    stderr: "pipe",
  });
  transport.stderr?.on("data", (chunk: Buffer) => { serverLog += chunk.toString(); });
  client = new Client({ name: "codex-supervisor-test", version: "0.0.0" });
  await client.connect(transport);
});
afterAll(async () => {
  try { await client?.close(); } finally { await sb.cleanup(); }
});

const call = async (name: string, args: Record<string, unknown>): Promise<ToolResult> =>
  await client.callTool({ name, arguments: args }) as ToolResult;
const text = (r: ToolResult) => r.content.map((c) => c.text ?? "").join("\n");
const ok = async <T>(name: string, args: Record<string, unknown>): Promise<{ text: string; json: T }> => {
  const r = await call(name, args);
  expect(r.isError ?? false, `${name}: ${text(r)}\n${serverLog}`).toBe(false);
  return { text: text(r), json: r.structuredContent as T };
};
const pidsOfJob = (jobId: string) => sb.livePids().filter((pid) => hasVariable(pid, "CODEX_SUPERVISOR_JOB_ID", jobId));
/** Everything under the sandbox that no job and not the server owns: what spawnCodex left. */
const killOutsiders = () => {
  for (const pid of sb.livePids()) {
    if (pid === transport.pid) continue;
    try {
      if (!hasVariable(pid, "CODEX_SUPERVISOR_JOB_ID")) process.kill(pid, "SIGKILL");
    } catch { /* gone */ }
  }
};
const inSandbox = (cwd: string | null) => cwd !== null && cwd.startsWith(sb.root);

describe("codex-supervisor mcp", () => {
  fullPassOnly("lists its tools, each with a JSON schema for its arguments and results", async () => {
    const { tools } = await client.listTools();
    const names = tools.map((t) => t.name);
    expect(names).toEqual(expect.arrayContaining(["codex_status", "codex_start", "codex_resume", "codex_logs", "codex_kill", "codex_doctor"]));
    for (const tool of tools) {
      expect(tool.inputSchema.type).toBe("object");
      expect(tool.outputSchema?.type).toBe("object");
      expect(tool.description).toBeTruthy();
    }
    expect(tools.find((t) => t.name === "codex_start")!.inputSchema.required).toEqual(["prompt"]);
  });

  test("codex_status reports one tracked job and one Codex started outside the supervisor, with their pids", async () => {
    const dir = sb.project("status-tracked");
    const started = await ok<JobJson>("codex_start", { prompt: "RUN: sleep 60\nHOLD: 300", cwd: dir });
    // handed to init at once: the server's own tree (and whatever Codex runs the server) does not hold the job
    const ppid = ppidOf(started.json.pid);
    expect(commandOf(ppid)).not.toContain("mcp");
    // its parent is its waiting parent, which is itself nobody's child but init's (or a subreaper's)
    const grandparent = ppidOf(ppid);
    expect(grandparent).not.toBe(transport.pid);
    const outside = sb.spawnCodex("STALL: 60", sb.project("status-outside")); // waiting on the model: a RUN'd Codex ends after ~11 s
    try {
      const seen = await waitFor("both Codex programs with their native binaries", async () => {
        const { json } = await ok<StatusJson>("codex_status", {});
        const mine = json.untracked.filter((u) => inSandbox(u.cwd));
        return json.jobs[0]?.pids.length && json.jobs[0].pids.length >= 2 && mine[0]?.pids.length === 2 ? json : undefined;
      });
      // tracked jobs come from this sandbox's database only; other Codex programs on the machine may be anyone's
      expect(seen.totals.tracked).toBe(1);
      expect(seen.totals.untracked).toBe(seen.untracked.length);
      expect(seen.totals.all).toBe(seen.jobs.length + seen.untracked.length);
      expect(seen.jobs[0]).toMatchObject({ jobId: started.json.jobId, status: "running", cwd: dir });
      expect(seen.jobs[0]!.pids).toContain(started.json.pid);
      const others = seen.untracked.filter((u) => inSandbox(u.cwd));
      expect(others).toHaveLength(1);
      expect(others[0]!.pids).toContain(outside.pid);
      expect(others[0]!.kind).toBe("exec");
      const { text: summary } = await ok<StatusJson>("codex_status", {});
      expect(summary).toMatch(/^\d+ Codex programs?: 1 tracked by the supervisor, \d+ not/);
      expect(summary).toContain(started.json.jobId);
      expect(summary).toContain(String(outside.pid));
    } finally {
      killOutsiders();
      await call("codex_kill", { job: started.json.jobId, grace: "500ms" });
    }
  });

  fullPassOnly("codex_start then codex_logs shows the finished job's command output and agent message", async () => {
    const { json: job } = await ok<JobJson>("codex_start", {
      prompt: "RUN: echo hello-from-mcp\nREPLY: the mcp job is done",
      cwd: sb.project("start-logs"),
      name: "mcp-logs",
    });
    expect(job.jobId).toMatch(/^[0-9a-f-]{36}$/);
    const done = await waitFor("the job completed", async () => {
      const { json } = await ok<StatusJson>("codex_status", { all: true });
      const entry = json.jobs.find((j) => j.jobId === job.jobId);
      return entry?.status === "completed" ? entry : undefined;
    });
    expect(done.lastAgentMessage).toBe("the mcp job is done");
    expect(done.lastActivityAt).not.toBeNull();

    const logs = await ok<LogsJson>("codex_logs", { job: "mcp-logs" });
    expect(logs.text).toContain("hello-from-mcp");
    expect(logs.text).toContain("codex: the mcp job is done");
    expect(logs.json.job.jobId).toBe(job.jobId);
    expect(logs.json.events).toContainEqual(expect.objectContaining({ kind: "agent_message", text: "the mcp job is done" }));
    expect(logs.json.nextOffset).toBeGreaterThan(0);

    const tail = await ok<LogsJson>("codex_logs", { job: job.jobId.slice(0, 8), tail: 1 });
    expect(tail.json.events).toHaveLength(1);
    const since = await ok<LogsJson>("codex_logs", { job: job.jobId, sinceOffset: logs.json.nextOffset });
    expect(since.json.events).toEqual([]);
    expect(since.json.nextOffset).toBe(logs.json.nextOffset);
  });

  fullPassOnly("codex_resume continues the job's thread as a new job linked to the first", async () => {
    const { json: first } = await ok<JobJson>("codex_start", { prompt: "REPLY: first turn", cwd: sb.project("mcp-resume") });
    const firstDone = await waitFor("the first turn", async () => {
      const { json } = await ok<StatusJson>("codex_status", { all: true });
      return json.jobs.find((j) => j.jobId === first.jobId && j.status === "completed");
    });
    const { json: second } = await ok<JobJson>("codex_resume", { job: first.jobId, prompt: "REPLY: second turn" });
    expect(second.jobId).not.toBe(first.jobId);
    expect(second.resumedFrom).toBe(first.jobId);
    expect(second.threadId).toBe(firstDone.threadId);
    expect(second.cwd).toBe(first.cwd);
    await waitFor("the second turn", async () => {
      const { json } = await ok<LogsJson>("codex_logs", { job: second.jobId });
      return json.job.status === "completed" || undefined;
    });
    const { json: logs } = await ok<LogsJson>("codex_logs", { job: second.jobId });
    const said = logs.events.filter((e) => e.kind === "agent_message").map((e) => e.text);
    expect(said).toEqual(expect.arrayContaining(["first turn", "second turn"]));
  });

  fullPassOnly("codex_kill ends a running job's whole tree", async () => {
    const { json: job } = await ok<JobJson>("codex_start", { prompt: "RUN: sleep 300\nHOLD: 300", cwd: sb.project("mcp-kill") });
    const tree = await waitFor("launcher, native Codex and the tool's processes", () => {
      const pids = pidsOfJob(job.jobId);
      return pids.length >= 3 ? pids : undefined;
    });
    const { text: said, json: killed } = await ok<KillJson>("codex_kill", { job: job.jobId, grace: "1s" });
    expect(killed.result).toBe("killed");
    expect(killed.survivors).toEqual([]);
    expect(killed.status).toBe("killed");
    expect(said).toMatch(/^killed job [0-9a-f]{8}: \d+ processes/);
    for (const pid of [job.pid, ...tree]) expect(isAlive(pid)).toBe(false);
    expect(pidsOfJob(job.jobId)).toEqual([]);
    const again = await ok<KillJson>("codex_kill", { job: job.jobId });
    expect(again.json.result).toBe("already-gone");
  });

  fullPassOnly("codex_start of a job Codex rejects is a tool error in Codex's own words; codex_status and codex_logs carry its stderr", async () => {
    const BOGUS = "error: unexpected argument '--bogus-flag' found";
    const r = await call("codex_start", { prompt: "hi", cwd: sb.project("mcp-bogus"), args: ["--bogus-flag"] });
    expect(r.isError).toBe(true);
    expect(text(r)).toContain(BOGUS);
    expect(text(r)).not.toMatch(/^started/);
    const failed = r.structuredContent as { jobId: string; status: string; exitCode: number; stderrTail: string[] };
    expect(failed).toMatchObject({ status: "failed", exitCode: 2 });
    expect(failed.stderrTail).toContain(BOGUS);
    const { json: status } = await ok<{ jobs: Array<{ jobId: string; status: string; stderrTail: string[] }> }>("codex_status", { all: true });
    expect(status.jobs.find((j) => j.jobId === failed.jobId)).toMatchObject({ status: "failed", stderrTail: expect.arrayContaining([BOGUS]) });
    // no history at all: the logs are what Codex said
    const logs = await ok<{ historyFile: string | null; stderrTail: string[] }>("codex_logs", { job: failed.jobId });
    expect(logs.json.historyFile).toBeNull();
    expect(logs.json.stderrTail).toContain(BOGUS);
    expect(logs.text).toContain(BOGUS);
  });

  fullPassOnly("codex_doctor checks a directory and returns every check with its status", async () => {
    const dir = sb.project("doctor");
    const { text: said, json } = await ok<{ ok: boolean; checks: Array<{ id: string; status: string; detail: string }> }>("codex_doctor", { cwd: dir });
    expect(json.checks.length).toBeGreaterThan(3);
    for (const check of json.checks) expect(["ok", "warn", "fail"]).toContain(check.status);
    expect(json.ok).toBe(json.checks.every((c) => c.status !== "fail"));
    expect(said).toContain(`codex-supervisor doctor for ${dir}`);
  });

  fullPassOnly("a bad job id is a tool error with a clear message, and the server goes on", async () => {
    for (const name of ["codex_logs", "codex_kill", "codex_resume"]) {
      const r = await call(name, { job: "ffffffff" });
      expect(r.isError).toBe(true);
      expect(text(r)).toContain(`no job matches "ffffffff"`);
    }
    const badGrace = await call("codex_kill", { job: "ffffffff", grace: "soon" });
    expect(badGrace.isError).toBe(true);
    expect(text(badGrace)).toContain(`"soon" is not a duration`);
    const endlessGrace = await call("codex_kill", { job: "ffffffff", grace: "99999999999999999999d" });
    expect(endlessGrace.isError).toBe(true);
    expect(text(endlessGrace)).toContain(`grace: expected a duration from 0s to 10m, got "99999999999999999999d"`);
    const badArgs = await call("codex_start", { prompt: "x", venv: "a", noVenv: true });
    expect(badArgs.isError).toBe(true);
    expect(text(badArgs)).toContain("venv and noVenv cannot be used together");
    expect((await client.listTools()).tools.length).toBeGreaterThan(0);
  });
});
