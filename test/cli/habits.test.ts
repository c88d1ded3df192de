/**
 * Habits of good CLIs (issue 23 point 10): a mistyped command or option gets a "did you mean";
 * `-V` and `version` print the version as `--version` does; an option of `codex exec` given before
 * `--` says to put it after `--`.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, test } from "vitest";
import pkg from "../../package.json" with { type: "json" };
import { runCli } from "../adversarial/support/cli.ts";

const root = mkdtempSync(join(tmpdir(), "cs-habits-"));
// a codex that cannot run: should a start get past its arguments, nothing is launched
const env = { ...(process.env as Record<string, string>), XDG_CONFIG_HOME: join(root, "xdg"), CODEX_SUPERVISOR_DB: join(root, "db.sqlite"), CODEX_SUPERVISOR_CODEX: "/nonexistent/codex" };
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe("a mistyped command", () => {
  test("gets a did-you-mean and a pointer to --help, not the whole help, exit 2", async () => {
    const r = await runCli(["lsit"], env);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe(`codex-supervisor: unknown command "lsit" (did you mean "list"?); see codex-supervisor --help\n`);
    expect(r.stdout).toBe("");
  });

  test("far from every command gets no guess", async () => {
    const r = await runCli(["frobnicate"], env);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe(`codex-supervisor: unknown command "frobnicate"; see codex-supervisor --help\n`);
  });
});

describe("a mistyped option", () => {
  test("--jsno gets did you mean --json, exit 2", async () => {
    const r = await runCli(["list", "--jsno"], env);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`codex-supervisor list: unknown option --jsno (did you mean --json?)`);
  });

  test("--grase=1s on kill gets did you mean --grace", async () => {
    const r = await runCli(["kill", "abcdef12", "--grase=1s"], env);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`unknown option --grase (did you mean --grace?)`);
  });

  test("an option far from every one names the command's options", async () => {
    const r = await runCli(["events", "--zzzzzz"], env);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`unknown option --zzzzzz (events takes --follow, --job, --limit, --wide, --config, --json, --help)`);
  });
});

describe("the version", () => {
  for (const args of [["--version"], ["-V"], ["-v"], ["version"]]) {
    test(`${args.join(" ")} prints it, exit 0`, async () => {
      const r = await runCli(args, env);
      expect(r.code, r.stderr).toBe(0);
      expect(r.stdout).toBe(`${pkg.version}\n`);
    });
  }
});

describe("an option of codex exec before --", () => {
  test("start --model o3 says to put it after --, exit 2, nothing started", async () => {
    const r = await runCli(["start", "--model", "o3", "hello"], env);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`--model is an option of codex exec, not of start: put it after --, as in codex-supervisor start PROMPT -- --model ...`);
    const list = await runCli(["list", "--all", "--json"], env);
    expect(JSON.parse(list.stdout).jobs).toEqual([]);
  });

  test("a short one, -m, and one of resume say so too", async () => {
    const short = await runCli(["start", "hello", "-m", "o3"], env);
    expect(short.code).toBe(2);
    expect(short.stderr).toContain(`-m is an option of codex exec, not of start: put it after --`);
    const resume = await runCli(["resume", "abcdef12", "--skip-git-repo-check"], env);
    expect(resume.code).toBe(2);
    expect(resume.stderr).toContain(`--skip-git-repo-check is an option of codex exec, not of resume: put it after --, as in codex-supervisor resume JOB [PROMPT] -- --skip-git-repo-check`);
  });

  test("given to a command that passes nothing to codex, it is unknown there", async () => {
    const r = await runCli(["list", "--model", "o3"], env);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`unknown option --model`);
    expect(r.stderr).toContain(`only start and resume pass options to codex exec, after --`);
  });
});
