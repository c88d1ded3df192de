/**
 * Codex's own stdout and stderr (issue 23, point 1): kept in capped files of the job's, shown by
 * `status`, `logs` and the MCP tools. Codex writes what goes wrong there and nowhere else.
 */
import { chmodSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { createSandbox, type Sandbox, waitFor } from "./support/harness.ts";

interface StatusJson { jobId: string; status: string; pid: number; exitCode: number | null; stderrTail: string[]; stdoutFile: string; stderrFile: string }

const EXEC_ARGS = ["--skip-git-repo-check", "--dangerously-bypass-approvals-and-sandbox"];
let sb: Sandbox;
let closedPort: number;

beforeAll(async () => {
  sb = createSandbox();
  sb.writeGlobalConfig({ codex: { args: EXEC_ARGS } });
  // a port nobody listens on: bound once, then let go
  const probe = Bun.listen({ hostname: "127.0.0.1", port: 0, socket: { data() {} } });
  closedPort = probe.port;
  probe.stop(true);
});
afterAll(async () => { await sb.cleanup(); });

const startJson = async (args: string[], options: { stdin?: string; env?: Record<string, string> } = {}) => {
  const r = await sb.cli(["start", "--json", ...args], options);
  expect(r.code, r.stderr).toBe(0);
  return r.json<StatusJson>();
};
const status = async (id: string) => (await sb.cli(["status", id, "--json"])).json<StatusJson>();

/** A stand-in for codex that prints LINES numbered lines of ~100 bytes to stderr, then sleeps SLEEP s. */
const chattyCodex = (lines: number, sleep: number) => {
  const path = join(sb.root, `chatty-${lines}-${sleep}`);
  writeFileSync(path, [
    "#!/bin/sh",
    "cat >/dev/null",
    `i=0; while [ $i -lt ${lines} ]; do i=$((i+1)); printf 'line %07d %s\\n' $i ${"x".repeat(85)}; done >&2`,
    `echo 'the last line' >&2`,
    `sleep ${sleep}`,
  ].join("\n"));
  chmodSync(path, 0o755);
  return path;
};

describe("Codex's stderr", () => {
  test("status shows Codex's `Reconnecting... waiting for network` of a job whose model is unreachable", async () => {
    const dir = sb.project("unreachable");
    const job = await startJson(["--cwd", dir, "hello", "--", "-c", `model_providers.mock.base_url="http://127.0.0.1:${closedPort}/v1"`]);
    try {
      const seen = await waitFor("Codex's reconnect message in status --json", async () => {
        const s = await status(job.jobId);
        return s.stderrTail.some((l) => l.includes("ERROR: Reconnecting... waiting for network")) ? s : undefined;
      }, 45_000);
      expect(seen.status).toBe("running");
      const text = await sb.cli(["status", job.jobId]);
      expect(text.stdout).toContain("ERROR: Reconnecting... waiting for network");
      // the history has the prompt only: `logs --stderr` is where Codex's reason is
      const logs = await sb.cli(["logs", job.jobId, "--stderr"]);
      expect(logs.code, logs.stderr).toBe(0);
      expect(logs.stdout).toContain("ERROR: Reconnecting... waiting for network");
      // the files are the user's alone
      expect(statSync(seen.stderrFile).mode & 0o777).toBe(0o600);
      expect(statSync(seen.stdoutFile).mode & 0o777).toBe(0o600);
      expect(statSync(join(seen.stderrFile, "..")).mode & 0o777).toBe(0o700);
      expect(statSync(join(seen.stderrFile, "../..")).mode & 0o777).toBe(0o700);
    } finally {
      const killed = await sb.cli(["kill", job.jobId, "--grace", "2s"]);
      expect(killed.code, killed.stderr).toBe(0);
    }
  }, 90_000);

  test("a job that prints more than the cap keeps only the tail, when it ends and while it runs", async () => {
    const ended = await startJson(["--cwd", sb.project("chatty-ends"), "hello"], { env: { CODEX_SUPERVISOR_CODEX: chattyCodex(20_000, 4) } });
    const done = await waitFor("the chatty job's end", async () => {
      const s = await status(ended.jobId);
      return s.status !== "running" ? s : undefined;
    });
    expect(done.exitCode).toBe(0);
    const kept = readFileSync(done.stderrFile, "utf8");
    expect(kept.length).toBeLessThanOrEqual(512 * 1024);
    expect(kept.length).toBeGreaterThan(100 * 1024);
    expect(kept).toContain("line 0020000 ");
    expect(kept).not.toContain("line 0000001 ");
    expect(kept.endsWith("the last line\n")).toBe(true);
    expect(done.stderrTail.at(-1)).toBe("the last line");

    const running = await startJson(["--cwd", sb.project("chatty-runs"), "hello"], { env: { CODEX_SUPERVISOR_CODEX: chattyCodex(20_000, 60) } });
    try {
      const trimmed = await waitFor("the running job's stderr trimmed to its tail", async () => {
        const s = await status(running.jobId);
        const text = readFileSync(s.stderrFile, "utf8");
        return text.includes("the last line") && text.length <= 512 * 1024 ? text : undefined;
      });
      expect(trimmed).not.toContain("line 0000001 ");
      expect(trimmed.endsWith("the last line\n")).toBe(true);
    } finally {
      await sb.cli(["kill", running.jobId, "--grace", "1s"]);
    }
  });

  test("logs shows Codex's stderr when the job has no history", async () => {
    const r = await sb.cli(["start", "--cwd", sb.project("nohistory"), "hello", "--", "--bogus-flag"]);
    expect(r.code).toBe(1);
    const id = /job ([0-9a-f]{8})/.exec(r.stderr)?.[1];
    expect(id, r.stderr).toBeDefined();
    const logs = await sb.cli(["logs", id!]);
    expect(logs.code, logs.stderr).toBe(0);
    expect(logs.stdout).toContain("error: unexpected argument '--bogus-flag' found");
    const json = await sb.cli(["logs", id!, "--json"]);
    const lines = json.stdout.trim().split("\n").map((l) => JSON.parse(l) as { kind: string; text: string });
    expect(lines.some((l) => l.kind === "stderr" && l.text.includes("unexpected argument '--bogus-flag'"))).toBe(true);
  });
});
