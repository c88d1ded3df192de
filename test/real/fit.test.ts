/**
 * Every table fits the terminal (issue 23 point 8): with COLUMNS set, no line of list, status,
 * events or doctor is wider than it, counted in the columns a terminal shows; --wide keeps whole values.
 */
import * as Effect from "effect/Effect";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { JobStore } from "../../src/services/JobStore.ts";
import { createSandbox, type Sandbox, waitFor } from "./support/harness.ts";

const EXEC_ARGS = ["--skip-git-repo-check", "--dangerously-bypass-approvals-and-sandbox"];
const LONG_POLICY = "stop-any-job-that-sits-idle-for-far-too-long-in-the-nightly-batch";
const LONG_MESSAGE = `runtime over 30m: ${"the job has printed nothing for a long while and its tokens kept rising; ".repeat(3)}killed`;

let sb: Sandbox;
let jobId: string;
let threadId: string;
let cwd: string;

const widest = (text: string) => Math.max(0, ...text.split("\n").map((l) => Bun.stringWidth(l)));

beforeAll(async () => {
  sb = createSandbox();
  sb.writeGlobalConfig({ codex: { args: EXEC_ARGS } });
  // a cwd of a user who keeps projects deep, with a wide character in its name
  cwd = sb.project("clients/ACME-Corporation/2026/quarterly-reporting/データ/backend-service-with-a-long-name");
  const started = await sb.cli(["start", "--json", "--cwd", cwd, "--name", "a-name-longer-than-sixteen", "REPLY: finished quickly"]);
  expect(started.code, started.stderr).toBe(0);
  jobId = started.json<{ jobId: string }>().jobId;
  const done = await waitFor("the job's completion", async () => {
    const s = (await sb.cli(["status", jobId, "--json"])).json<{ status: string; threadId: string | null }>();
    return s.status === "completed" && s.threadId ? s : undefined;
  }, 60_000);
  threadId = done.threadId!;
  // what the watchdog records when a policy fires: written through the job store, as the watchdog does
  await Effect.runPromise(Effect.gen(function* () {
    yield* (yield* JobStore).appendEvent({ jobId, kind: "decision", policy: LONG_POLICY, action: "kill", message: LONG_MESSAGE });
  }).pipe(Effect.provide(JobStore.layer(sb.dbPath))));
}, 90_000);
afterAll(async () => { await sb.cleanup(); });

describe.each([100, 60])("with COLUMNS=%i", (columns) => {
  const env = { COLUMNS: String(columns) };
  test.each([
    ["list", ["list", "--all"]],
    ["status", ["status", "JOB"]],
    ["events", ["events"]],
    ["doctor", ["doctor", "--cwd", "CWD"]],
  ])("no line of %s is wider than the terminal", async (_name, args) => {
    const r = await sb.cli(args.map((a) => (a === "JOB" ? jobId : a === "CWD" ? cwd : a)), { env });
    expect(r.stdout.length).toBeGreaterThan(0);
    expect(widest(r.stdout), r.stdout).toBeLessThanOrEqual(columns);
  }, 60_000);
});

describe("narrowed values", () => {
  test("list shows short ids, the home folder as ~ and the cwd cut in the middle", async () => {
    const r = await sb.cli(["list", "--all"], { env: { COLUMNS: "100", HOME: sb.root } });
    const row = r.stdout.split("\n").find((l) => l.startsWith(jobId.slice(0, 8)))!;
    expect(row).toBeDefined();
    expect(row).not.toContain(jobId);
    expect(row).toContain(`…${threadId.slice(-8)}`);
    expect(row).toMatch(/ ~\/clients\/[^ ]*…[^ ]*-long-name$/);
  });

  test("events cuts a long message and a long policy name with …", async () => {
    const r = await sb.cli(["events"], { env: { COLUMNS: "100" } });
    const row = r.stdout.split("\n").find((l) => l.includes("decision"))!;
    expect(row).toContain("…");
    expect(row).not.toContain(LONG_POLICY);
    expect(row).not.toContain(LONG_MESSAGE);
  });
});

describe("--wide", () => {
  test("list --wide keeps the whole job id, thread id and cwd", async () => {
    const r = await sb.cli(["list", "--all", "--wide"], { env: { COLUMNS: "60" } });
    const row = r.stdout.split("\n").find((l) => l.startsWith(jobId))!;
    expect(row).toContain(threadId);
    expect(row.endsWith(cwd)).toBe(true);
    expect(row).toContain("a-name-longer-than-sixteen");
  });

  test("events --wide keeps the whole message and policy name", async () => {
    const r = await sb.cli(["events", "--wide"], { env: { COLUMNS: "60" } });
    expect(r.stdout).toContain(LONG_POLICY);
    expect(r.stdout).toContain(LONG_MESSAGE);
  });

  test("status --wide and doctor --wide keep the cwd on one line", async () => {
    const status = await sb.cli(["status", jobId, "--wide"], { env: { COLUMNS: "60" } });
    expect(status.stdout).toContain(`cwd       ${cwd}\n`);
    const doctor = await sb.cli(["doctor", "--cwd", cwd, "--wide"], { env: { COLUMNS: "60" } });
    expect(doctor.stdout).toContain(`codex-supervisor doctor for ${cwd}\n`);
  }, 60_000);
});
