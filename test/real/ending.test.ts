/**
 * How a job ended, said where the user is looking (issue 23 point 11): `logs --follow` ends with
 * the job's end and who killed it; `kill` says which of its two times is which.
 */
import { join } from "node:path";
import { describe, expect, test } from "vitest";
import { REPO, type Sandbox, waitFor } from "./support/harness.ts";
import { withExecSandbox } from "./support/execSandbox.ts";

let sb: Sandbox;
withExecSandbox((made) => (sb = made));

const startLong = async (name: string) => {
  const r = await sb.cli(["start", "--json", "--cwd", sb.project(name), "RUN: sleep 60\nHOLD: 300"]);
  expect(r.code, r.stderr).toBe(0);
  const { jobId } = r.json<{ jobId: string }>();
  await waitFor("the job's history file", async () => (await sb.cli(["status", jobId, "--json"])).json<{ rolloutPath: string | null }>().rolloutPath ?? undefined);
  return jobId;
};

const follow = (jobId: string, json: boolean) => {
  const proc = Bun.spawn([process.execPath, join(REPO, "bin/codex-supervisor.ts"), "logs", jobId, "--follow", ...(json ? ["--json"] : [])], {
    cwd: sb.root, env: sb.env, stdin: "ignore", stdout: "pipe", stderr: "pipe",
  });
  const out = Promise.all([new Response(proc.stdout).text(), new Response(proc.stderr).text(), proc.exited]);
  return { proc, out };
};

describe("logs --follow of a job that is killed", () => {
  test("ends by saying the job was killed, by whom, and its exit code when known", async () => {
    const jobId = await startLong("follow-text");
    const f = follow(jobId, false);
    try {
      const killed = await sb.cli(["kill", jobId, "--grace", "1s"]);
      expect(killed.code, killed.stderr).toBe(0);
      const [stdout, stderr, code] = await f.out;
      expect(code, stderr).toBe(0);
      const last = stdout.trimEnd().split("\n").at(-1)!;
      expect(last).toMatch(new RegExp(`^job ${jobId.slice(0, 8)} ended: killed by the kill command \\((exit code -?\\d+|exit code unknown)\\)$`));
    } finally {
      f.proc.kill("SIGKILL");
    }
  }, 90_000);

  test("with --json, its last line is a job_ended record naming who killed it", async () => {
    const jobId = await startLong("follow-json");
    const f = follow(jobId, true);
    try {
      expect((await sb.cli(["kill", jobId, "--grace", "1s"])).code).toBe(0);
      const [stdout, stderr, code] = await f.out;
      expect(code, stderr).toBe(0);
      const last = JSON.parse(stdout.trimEnd().split("\n").at(-1)!) as Record<string, unknown>;
      expect(last).toMatchObject({ kind: "job_ended", jobId, status: "killed", killedBy: "kill command" });
      expect(typeof last.at).toBe("string");
    } finally {
      f.proc.kill("SIGKILL");
    }
  }, 90_000);
});

describe("kill's times", () => {
  test("says which time runs from the first signal and which from the command's start, the latter as --trace counts it", async () => {
    const jobId = await startLong("kill-times");
    const r = await sb.cli(["kill", jobId, "--grace", "1s", "--trace"]);
    expect(r.code, r.stderr).toBe(0);
    const m = /ended in (\d+) ms after the first signal, (\d+) ms in all$/m.exec(r.stdout);
    expect(m, r.stdout).not.toBeNull();
    const [tree, all] = [Number(m![1]), Number(m![2])];
    const lastPhase = Math.max(...[...r.stderr.matchAll(/^kill \+(\d+)ms /gm)].map((p) => Number(p[1])));
    expect(tree).toBeLessThan(all);
    expect(all).toBeGreaterThanOrEqual(lastPhase);
  }, 90_000);
});
