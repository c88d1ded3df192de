import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { createSandbox, type Sandbox, waitFor } from "../real/support/harness.ts";

// Drives the real CLI and the real Codex binary against the loopback model server.
const EXEC_ARGS = ["--skip-git-repo-check", "--dangerously-bypass-approvals-and-sandbox"];
const CANARY = "sk-canary-5f3a9e1d";
let sb: Sandbox;

beforeAll(() => {
  sb = createSandbox();
  const globalDir = join(sb.env.XDG_CONFIG_HOME!, "codex-supervisor");
  mkdirSync(globalDir, { recursive: true });
  writeFileSync(join(globalDir, "config.json"), JSON.stringify({ codex: { args: EXEC_ARGS }, plugins: [["env-fixup", { set: { CS_PROBE: "set-by-env-fixup" } }]] }));
});
afterAll(async () => { await sb.cleanup(); });

interface JobJson { jobId: string; pid: number; status: string }

// `logs` shortens long tool output, so the tool prints only the variables in question; logs also
// echo the prompt, so what the test looks for is made by the command, never written in it.
const TOOL_COMMAND = "env | grep -E '^(OPENAI_API_KEY|CS_PROBE|CODEX_SUPERVISOR_JOB_ID)='; echo LISTED-$((40+2)); sleep 1";

/** Starts a job whose one tool command prints its environment, waits for it to finish, returns the tool output. */
const runEnvJob = async (cwd: string) => {
  const started = await sb.cli(["start", "--json", "--cwd", cwd, "-"], { stdin: `RUN: ${TOOL_COMMAND}`, env: { OPENAI_API_KEY: CANARY } });
  expect(started.code, started.stderr).toBe(0);
  const job = started.json<JobJson>();
  // Codex itself still has the key: only its tool commands must not.
  const codexEnv = readFileSync(`/proc/${job.pid}/environ`, "utf8");
  await waitFor("the job to complete", async () =>
    (await sb.cli(["status", job.jobId, "--json"])).json<JobJson>().status === "completed" || undefined);
  return { codexEnv, toolOutput: (await sb.cli(["logs", job.jobId])).stdout };
};

describe("env-fixup with real Codex", () => {
  test("a tool command runs without OPENAI_API_KEY while Codex keeps it, and sees the variables env-fixup sets", async () => {
    const { codexEnv, toolOutput } = await runEnvJob(sb.project("hidden"));
    expect(codexEnv).toContain(`OPENAI_API_KEY=${CANARY}\0`);
    expect(toolOutput).toContain("LISTED-42");
    expect(toolOutput).toContain("CS_PROBE=set-by-env-fixup");
    expect(toolOutput).toContain("CODEX_SUPERVISOR_JOB_ID=");
    expect(toolOutput).not.toContain(CANARY);
  });

  test("with hideFromTools emptied the key reaches the tool again (the filter above is what hid it)", async () => {
    const dir = sb.project("open");
    writeFileSync(join(dir, ".codex-supervisorrc.json"), JSON.stringify({ plugins: [["env-fixup", { hideFromTools: [] }]] }));
    expect((await sb.cli(["trust", dir])).code).toBe(0);
    const { toolOutput } = await runEnvJob(dir);
    expect(toolOutput).toContain("LISTED-42");
    expect(toolOutput).toContain(`OPENAI_API_KEY=${CANARY}`);
  });
});
