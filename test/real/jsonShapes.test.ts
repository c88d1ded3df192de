/**
 * Every command's `--json` against its documented shape (src/cli/jsonShapes.ts, docs/json.md),
 * run through the CLI with real Codex. The shapes are strict: a field a command prints that the
 * shapes do not name fails here.
 */
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import type { z } from "zod";
import {
  configShape, doctorShape, errorShape, eventShape, killShape, launchShape, listShape, logLineShape, serviceStatusShape, statusShape,
} from "../../src/cli/jsonShapes.ts";
import { createSandbox, type Sandbox, waitFor } from "./support/harness.ts";

const EXEC_ARGS = ["--skip-git-repo-check", "--dangerously-bypass-approvals-and-sandbox"];
let sb: Sandbox;
let done: string;

/** Parses with the shape; a mismatch fails with zod's account of every field that differs. */
const parse = <S extends z.ZodType>(shape: S, text: string): z.infer<S> => {
  const r = shape.safeParse(JSON.parse(text));
  if (!r.success) throw new Error(`${r.error.message}\nin: ${text.slice(0, 2000)}`);
  return r.data;
};
const lines = (text: string) => text.split("\n").filter((l) => l !== "");

const startJob = async (prompt: string, name: string) => {
  const r = await sb.cli(["start", "--json", "--cwd", sb.project(name), prompt]);
  expect(r.code, r.stderr).toBe(0);
  return parse(launchShape, r.stdout);
};

beforeAll(async () => {
  sb = createSandbox();
  sb.writeGlobalConfig({ codex: { args: EXEC_ARGS } });
  done = (await startJob("RUN: echo shaped\nREPLY: all done", "done")).jobId;
  await waitFor("the first job's completion", async () =>
    (await sb.cli(["status", done, "--json"])).json<{ status: string }>().status === "completed" || undefined, 60_000);
}, 90_000);
afterAll(async () => { await sb.cleanup(); });

describe("each command's --json matches its documented shape", () => {
  test("start and resume print a job", async () => {
    const r = await sb.cli(["resume", "--json", done, "REPLY: again"]);
    expect(r.code, r.stderr).toBe(0);
    expect(parse(launchShape, r.stdout).resumedFrom).toBe(done);
  }, 60_000);

  test("list, with a running job and a Codex the supervisor did not start", async () => {
    const running = await startJob("RUN: sleep 60\nHOLD: 300", "running");
    const outside = sb.spawnCodex("STALL: 30", sb.project("outside"));
    try {
      const listed = await waitFor("both in list", async () => {
        const l = parse(listShape, (await sb.cli(["list", "--all", "--json"])).stdout);
        return l.jobs.some((j) => j.jobId === running.jobId && j.status === "running") && l.untracked.some((u) => u.pids.includes(outside.pid)) ? l : undefined;
      });
      expect(listed.jobs.find((j) => j.jobId === done)?.status).toBe("completed");
      const status = parse(statusShape, (await sb.cli(["status", running.jobId, "--json"])).stdout);
      expect(status.tree.length).toBeGreaterThan(0);
      expect(status.elapsedMs).toBeGreaterThanOrEqual(0);
      const killed = await sb.cli(["kill", running.jobId, "--grace", "1s", "--json"]);
      expect(killed.code, killed.stderr).toBe(0);
      expect(parse(killShape, killed.stdout).result).toBe("killed");
    } finally {
      outside.kill("SIGKILL");
    }
  }, 90_000);

  test("status of an ended job", async () => {
    const s = parse(statusShape, (await sb.cli(["status", done, "--json"])).stdout);
    expect(s.turnState).toBe("completed");
    expect(s.rolloutPath).not.toBeNull();
    expect(s).not.toHaveProperty("historyFile");
  });

  test("logs: every line, each user message once", async () => {
    const r = await sb.cli(["logs", done, "--json"]);
    expect(r.code, r.stderr).toBe(0);
    const events = lines(r.stdout).map((l) => parse(logLineShape, l));
    // the thread has two turns (the job's and the resume's): each prompt shows once, though Codex wrote each twice
    const prompts = events.flatMap((e) => (e.kind === "user_message" ? [e.text] : []));
    expect(prompts.filter((t) => t === "RUN: echo shaped\nREPLY: all done")).toHaveLength(1);
    expect(new Set(prompts).size).toBe(prompts.length);
    expect(events.some((e) => e.kind === "command_output")).toBe(true);
  });

  test("logs --follow ends with a job_ended line", async () => {
    const r = await sb.cli(["logs", done, "--follow", "--json"]);
    expect(r.code, r.stderr).toBe(0);
    const last = parse(logLineShape, lines(r.stdout).at(-1)!);
    expect(last).toMatchObject({ kind: "job_ended", status: "completed" });
  });

  test("events: the same keys on every line", async () => {
    const r = await sb.cli(["events", "--json"]);
    const events = lines(r.stdout).map((l) => parse(eventShape, l));
    expect(events.length).toBeGreaterThan(0);
    const keys = new Set(lines(r.stdout).map((l) => Object.keys(JSON.parse(l) as object).join(",")));
    expect(keys.size).toBe(1);
  });

  test("config, doctor and service status", async () => {
    parse(configShape, (await sb.cli(["config", "--json"])).stdout);
    const doctor = await sb.cli(["doctor", "--json"]);
    expect(parse(doctorShape, doctor.stdout).checks.length).toBeGreaterThan(0);
    parse(serviceStatusShape, (await sb.cli(["service", "status", "--json"])).stdout);
  }, 60_000);
});

describe("under --json an error is one JSON object on stderr, with the same exit code", () => {
  test.each([
    ["an unknown job", ["status", "no-such-job", "--json"], 3, "JobNotFound"],
    ["a bad option value", ["events", "--limit", "x", "--json"], 2, "UsageError"],
    ["an unknown option", ["list", "--jsno", "--json"], 2, "UsageError"],
    ["an unknown command", ["lsit", "--json"], 2, "UsageError"],
  ])("%s", async (_what, args, exitCode, code) => {
    const r = await sb.cli(args);
    const text = await sb.cli(args.filter((a) => a !== "--json"));
    expect(r.code).toBe(exitCode);
    expect(text.code).toBe(exitCode);
    expect(r.stdout).toBe("");
    expect(lines(r.stderr)).toHaveLength(1);
    expect(parse(errorShape, r.stderr).error.code).toBe(code);
  });
});
