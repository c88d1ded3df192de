/**
 * A start that Codex rejects (issue 23, point 2): Codex's own message, never "started", the job
 * recorded as failed with that reason.
 */
import { afterAll, beforeAll, expect, test } from "vitest";
import { createSandbox, type Sandbox } from "./support/harness.ts";

interface JobJson { jobId: string; status: string; exitCode: number | null; endedAt: string | null; stderrTail: string[] }
interface EventJson { jobId: string | null; kind: string; message: string }

const EXEC_ARGS = ["--skip-git-repo-check", "--dangerously-bypass-approvals-and-sandbox"];
const BOGUS = "error: unexpected argument '--bogus-flag' found";
let sb: Sandbox;

beforeAll(() => {
  sb = createSandbox();
  sb.writeGlobalConfig({ codex: { args: EXEC_ARGS } });
});
afterAll(async () => { await sb.cleanup(); });

test("a start Codex rejects prints Codex's own message, not 'started', exit 1, and the job is recorded as failed", async () => {
  const r = await sb.cli(["start", "--cwd", sb.project("bogus"), "hi", "--", "--bogus-flag"]);
  expect(r.code).toBe(1);
  expect(r.stdout).not.toContain("started");
  expect(r.stderr).toContain(BOGUS);
  expect(r.stderr).not.toContain("run the same codex exec by hand");
  const id = /job ([0-9a-f]{8})/.exec(r.stderr)?.[1];
  expect(id, r.stderr).toBeDefined();
  const status = (await sb.cli(["status", id!, "--json"])).json<JobJson>();
  expect(status).toMatchObject({ status: "failed", exitCode: 2 });
  expect(status.stderrTail).toContain(BOGUS);
  const text = await sb.cli(["status", id!]);
  expect(text.stdout).toMatch(/status\s+failed \(exit 2\)/);
  expect(text.stdout).toContain(BOGUS);
  // the reason is on record, with the job
  const events = (await sb.cli(["events", "--job", id!, "--json"])).stdout.trim().split("\n").map((l) => JSON.parse(l) as EventJson);
  expect(events.some((e) => e.message.includes(BOGUS))).toBe(true);
  expect(sb.livePids()).toEqual([]);
});

test("start --json of a rejected start: the failed job with Codex's message, exit 1", async () => {
  const r = await sb.cli(["start", "--json", "--cwd", sb.project("bogus-json"), "hi", "--", "--bogus-flag"]);
  expect(r.code).toBe(1);
  const job = r.json<JobJson>();
  expect(job).toMatchObject({ status: "failed", exitCode: 2 });
  expect(job.endedAt).not.toBeNull();
  expect(job.stderrTail).toContain(BOGUS);
  expect(r.stderr).toContain(BOGUS);
});

test("a prompt over Codex's 1 MiB input cap fails the same way, with Codex's reason", async () => {
  const r = await sb.cli(["start", "--json", "--cwd", sb.project("too-big"), "-"], { stdin: "a".repeat(1_100_000) });
  expect(r.code).toBe(1);
  const job = r.json<JobJson>();
  expect(job.status).toBe("failed");
  expect(job.exitCode).not.toBe(0);
  expect(r.stderr).toContain("Input exceeds the maximum length of 1048576 characters");
  expect(r.stdout).not.toMatch(/^started job/m);
  // the prompt Codex echoes on its stderr is not what is shown
  expect(r.stderr.length).toBeLessThan(10_000);
});
