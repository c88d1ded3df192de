/**
 * A shell left in a directory that was removed (a deleted git worktree): the commands that only
 * read or end jobs work there with the global config; those that need the directory say it no
 * longer exists (exit 2). Nothing prints the bundle's source.
 */
import { mkdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { looksLikeCrash } from "../adversarial/support/cli.ts";
import { createSandbox, REPO, type Sandbox, waitFor } from "./support/harness.ts";

const CLI = join(REPO, "bin/codex-supervisor.ts");
const EXEC_ARGS = ["--skip-git-repo-check", "--dangerously-bypass-approvals-and-sandbox"];

let sb: Sandbox;
let jobId: string;
beforeAll(async () => {
  sb = createSandbox();
  sb.writeGlobalConfig({ codex: { args: EXEC_ARGS } });
  const r = await sb.cli(["start", "--json", "--cwd", sb.project("job"), "RUN: echo from-the-job\nREPLY: finished"]);
  expect(r.code, r.stderr).toBe(0);
  jobId = r.json<{ jobId: string }>().jobId;
  await waitFor("the job to complete", async () =>
    (await sb.cli(["status", jobId, "--json"])).json<{ status: string }>().status === "completed" || undefined);
});
afterAll(async () => { await sb.cleanup(); });

let dirs = 0;
/** Runs the CLI in a directory that is removed after the shell entered it and before the CLI starts. */
const inGoneDir = async (args: ReadonlyArray<string>) => {
  const dir = join(sb.root, `gone-${++dirs}`);
  mkdirSync(dir);
  const proc = Bun.spawn(["sh", "-c", `cd "$1" && rmdir "$1" && shift && exec "$@"`, "sh", dir, process.execPath, CLI, ...args], {
    cwd: sb.root, env: sb.env, stdin: "ignore", stdout: "pipe", stderr: "pipe",
  });
  const [stdout, stderr, code] = await Promise.all([new Response(proc.stdout).text(), new Response(proc.stderr).text(), proc.exited]);
  return { code, stdout, stderr, dir };
};

const expectNoCrash = (r: { stdout: string; stderr: string }) => {
  expect(looksLikeCrash(r.stderr), r.stderr).toBe(false);
  expect(r.stderr).not.toContain("process.cwd");
  expect(r.stderr).not.toMatch(/^\s*\d+ \| /m); // Bun's source excerpt
};

describe("in a working directory that was removed", () => {
  test("list, status, logs, events and kill work, with the global config", async () => {
    const list = await inGoneDir(["list", "--all"]);
    expectNoCrash(list);
    expect(list.code, list.stderr).toBe(0);
    expect(list.stdout).toContain(jobId.slice(0, 8));

    const status = await inGoneDir(["status", jobId]);
    expectNoCrash(status);
    expect(status.code, status.stderr).toBe(0);
    expect(status.stdout).toContain("completed");

    const logs = await inGoneDir(["logs", jobId]);
    expectNoCrash(logs);
    expect(logs.code, logs.stderr).toBe(0);
    expect(logs.stdout).toContain("from-the-job");

    const events = await inGoneDir(["events"]);
    expectNoCrash(events);
    expect(events.code, events.stderr).toBe(0);

    // a completed job's login shell may leave a marked process a moment (pyenv's rehash): kill would rightly end it
    await waitFor("nothing of the job running", () => sb.livePids().every((pid) => {
      try { return !readFileSync(`/proc/${pid}/environ`, "utf8").includes(`CODEX_SUPERVISOR_JOB_ID=${jobId}\0`); } catch { return true; }
    }) || undefined);
    const kill = await inGoneDir(["kill", jobId]);
    expectNoCrash(kill);
    expect(kill.code, kill.stderr).toBe(0);
    expect(kill.stdout).toContain("nothing to kill");
  });

  test("start without --cwd, config and doctor say the directory no longer exists, exit 2, nothing started", async () => {
    for (const args of [["start", "hello"], ["config"], ["doctor"]]) {
      const r = await inGoneDir(args);
      expectNoCrash(r);
      expect(r.code, `${args[0]}: ${r.stderr}`).toBe(2);
      expect(r.stderr).toContain("no longer exists");
    }
    expect((await sb.cli(["list", "--all", "--json"])).json<{ jobs: unknown[] }>().jobs).toHaveLength(1);
  });

  test("start --cwd DIR and config --cwd DIR work from there", async () => {
    const config = await inGoneDir(["config", "--cwd", sb.project("elsewhere")]);
    expectNoCrash(config);
    expect(config.code, config.stderr).toBe(0);
    const start = await inGoneDir(["start", "--json", "--cwd", sb.project("elsewhere"), "REPLY: ok"]);
    expectNoCrash(start);
    expect(start.code, start.stderr).toBe(0);
  });

  test("a relative --cwd or --config there says it needs the current directory, exit 2", async () => {
    for (const args of [["start", "--cwd", "sub", "hello"], ["list", "--config", "x.json"]]) {
      const r = await inGoneDir(args);
      expectNoCrash(r);
      expect(r.code, `${args.join(" ")}: ${r.stderr}`).toBe(2);
      expect(r.stderr).toContain("no longer exists");
    }
  });
});
