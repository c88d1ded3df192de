/**
 * Trees: `codex-supervisor kill` leaves no survivor, whatever shape the job's tree takes,
 * and the supervisor itself is not hurt.
 *
 * Each shape (support/treeShapes.ts) runs for real, rooted in a session of its own like a
 * launched job, every process carrying the job's marker as Codex's tools do. The job is
 * recorded in a database and the real CLI kills it; afterwards no process of the tree may
 * run, the CLI must have exited by itself with 0, and a bystander sharing the CLI's process
 * group must be untouched (a kill that signalled a group, or a SIGHUP sent to an orphaned
 * group we belonged to, would hit it). Then two real Codex jobs: one whose launcher was
 * SIGKILLed, one whose tool daemonized. CS_ADVERSARIAL_ROUNDS=N runs every shape N times.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Effect } from "effect";
import { afterAll, afterEach, beforeAll, describe, expect, test } from "vitest";
import { JOB_MARKER } from "../../src/core/job.ts";
import { JobStore } from "../../src/services/JobStore.ts";
import { createSandbox, type Sandbox } from "../real/support/harness.ts";
import { runCli } from "./support/cli.ts";
import { figures } from "./support/figures.ts";
import { identityNow, pidsWithEnv, processKeeper, stillRunning, until } from "./support/procs.ts";
import { recordedJob } from "./support/realRun.ts";
import { TREE_SHAPES, type TreeShape } from "./support/treeShapes.ts";
import { cleanPath } from "./support/world.ts";

const ROUNDS = Math.max(1, Number(process.env.CS_ADVERSARIAL_ROUNDS) || 1);
const dir = mkdtempSync(join(tmpdir(), "cs-trees-"));
const dbPath = join(dir, "state", "supervisor.db");
const keeper = processKeeper(`trees-${crypto.randomUUID()}`);
const cliEnv: Record<string, string> = {
  ...(process.env as Record<string, string>),
  PATH: cleanPath,
  CODEX_SUPERVISOR_DB: dbPath,
  XDG_CONFIG_HOME: join(dir, "xdg-config"),
  XDG_STATE_HOME: join(dir, "xdg-state"),
};
const fig = figures("trees", { shapes: 0, runs: 0, processes: 0, survivors: 0, supervisorHurt: 0, bystandersHurt: 0, realCodexJobs: 0 });

beforeAll(() => { mkdirSync(join(dir, "xdg-config"), { recursive: true }); });
afterEach(async () => { await keeper.cleanup(); });
afterAll(async () => {
  await keeper.cleanup();
  const v = fig.values;
  fig.write(`${v.shapes} tree shapes, ${v.runs} kills, ${v.processes} processes: ${v.survivors} survivors, supervisor hurt ${v.supervisorHurt} times, bystanders hurt ${v.bystandersHurt}`);
  rmSync(dir, { recursive: true, force: true });
});

const insert = (job: ReturnType<typeof recordedJob>) =>
  Effect.runPromise(Effect.gen(function* () { yield* (yield* JobStore).insert(job); }).pipe(Effect.provide(JobStore.layer(dbPath))));

const pidsIn = (file: string): number[] => {
  try { return readFileSync(file, "utf8").split("\n").filter(Boolean).map(Number); } catch { return []; }
};

/** Starts the shape, records it as a job, kills it with the CLI; what is left and how the CLI fared. */
const killShape = async (shape: TreeShape, run: string) => {
  const jobId = crypto.randomUUID();
  const out = join(dir, `${run}.pids`);
  const createdAt = Date.now();
  const root = keeper.spawnDetached(["bash", "-c", shape.script.replaceAll("$OUT", out)], keeper.env({ [JOB_MARKER]: jobId }));
  await until(`${shape.name}: ${shape.expect} processes up`, () => pidsIn(out).length >= shape.expect || undefined);
  const started = pidsIn(out).flatMap((pid) => { const id = keeper.adopt(identityNow(pid)); return id ? [id] : []; });
  await insert(recordedJob(jobId, root, { createdAt: createdAt - 50 }));
  // The CLI runs in a process group it shares with a bystander: nothing the kill does may reach it.
  const bystanderFile = join(dir, `${run}.bystander`);
  const r = await runCli(["kill", jobId, "--grace", shape.grace ?? "300ms", "--json"], cliEnv, {
    cwd: dir,
    prefix: ["bash", "-c", `sleep 300 </dev/null >/dev/null 2>&1 & echo $! > ${bystanderFile}; exec "$@"`, "cli"],
  });
  const bystander = identityNow(pidsIn(bystanderFile)[0] ?? -1);
  const bystanderAlive = bystander !== undefined && stillRunning(bystander);
  if (bystander) process.kill(bystander.pid, "SIGKILL");
  const left = pidsWithEnv(JOB_MARKER, jobId);
  const leftStarted = started.filter(stillRunning).map((p) => p.pid);
  return { r, left: [...new Set([...left, ...leftStarted])], started, bystanderAlive, json: r.code === 0 ? (JSON.parse(r.stdout) as { result: string; survivors: number[]; members: unknown[] }) : undefined };
};

describe("every tree shape is killed whole", () => {
  test(`${TREE_SHAPES.length} shapes × ${ROUNDS}: zero survivors, the CLI exits 0 by itself, its process group untouched`, { timeout: 120_000 * ROUNDS }, async () => {
    const problems: string[] = [];
    const queue = [...Array(ROUNDS).keys()].flatMap((round) => TREE_SHAPES.map((shape, i) => ({ shape, run: `r${round}-s${i}` })));
    fig.set("shapes", TREE_SHAPES.length);
    // three at a time: they are independent (each its own marker), and the machine has two cores
    while (queue.length > 0) {
      await Promise.all(queue.splice(0, 3).map(async ({ shape, run }) => {
        const { r, left, started, bystanderAlive, json } = await killShape(shape, run);
        fig.add("runs");
        fig.add("processes", Math.max(started.length, json?.members.length ?? 0));
        fig.add("survivors", left.length);
        if (r.signal !== null || r.code !== 0) fig.add("supervisorHurt");
        if (!bystanderAlive) fig.add("bystandersHurt");
        if (r.signal !== null || r.code !== 0) problems.push(`${shape.name}: the CLI ended with ${r.signal ?? `exit ${r.code}`}: ${r.stderr.trim()}`);
        else if (json?.result !== "killed" || json.survivors.length > 0) problems.push(`${shape.name}: result ${json?.result}, survivors ${json?.survivors.join(" ")}`);
        if (left.length > 0) problems.push(`${shape.name}: ${left.length} survivor(s): ${left.join(" ")}`);
        if (!bystanderAlive) problems.push(`${shape.name}: the bystander in the CLI's process group was hurt`);
      }));
    }
    expect(problems).toEqual([]);
  });
});

describe("real Codex jobs", () => {
  let sb: Sandbox;
  beforeAll(() => {
    sb = createSandbox();
    sb.writeGlobalConfig({ codex: { args: ["--skip-git-repo-check", "--dangerously-bypass-approvals-and-sandbox"] } });
  });
  afterAll(async () => { await sb.cleanup(); });

  const startJob = async (prompt: string) => {
    const r = await sb.cli(["start", "--json", "--cwd", sb.project(`p-${crypto.randomUUID().slice(0, 8)}`), "-"], { stdin: prompt });
    expect(r.code, r.stderr).toBe(0);
    return r.json<{ jobId: string; pid: number }>();
  };
  const jobPids = (jobId: string) => pidsWithEnv(JOB_MARKER, jobId);
  const killIt = async (jobId: string) => {
    const r = await sb.cli(["kill", jobId, "--grace", "500ms", "--json"]);
    fig.add("runs");
    fig.add("realCodexJobs");
    if (r.code !== 0) fig.add("supervisorHurt");
    return r;
  };

  /** `kill` ends the job with exit 0 and leaves none of its processes behind. */
  const expectKilledWhole = async (jobId: string, processes: number) => {
    const r = await killIt(jobId);
    expect(r.code, r.stderr).toBe(0);
    expect(r.json<{ result: string }>().result).toBe("killed");
    fig.add("processes", processes);
    const left = jobPids(jobId);
    fig.add("survivors", left.length);
    expect(left).toEqual([]);
  };

  test("a job whose launcher was SIGKILLed (native Codex and a TERM-ignoring tool left orphaned) is ended whole", async () => {
    const job = await startJob(`RUN: setsid bash -c 'trap "" TERM; sleep 300' & sleep 300`);
    const tree = await until("launcher, native and tools", () => { const p = jobPids(job.jobId); return p.length >= 4 ? p : undefined; }, 30_000);
    for (let i = 0; i < 100 && (await sb.cli(["status", job.jobId, "--json"])).json<{ nativePid: number | null }>().nativePid === null; i++) await Bun.sleep(100);
    process.kill(job.pid, "SIGKILL");
    await until("the launcher gone", () => !stillRunning(identityNow(job.pid) ?? { pid: job.pid, startTime: "?" }) || undefined);
    await expectKilledWhole(job.jobId, tree.length);
  });

  test("a job whose tool daemonized (setsid double fork, nohup) is ended whole", async () => {
    const job = await startJob(`RUN: (setsid sleep 300 &); nohup sleep 301 >/dev/null 2>&1 & sleep 302`);
    const tree = await until("native and the tool's processes", () => { const p = jobPids(job.jobId); return p.length >= 5 ? p : undefined; }, 30_000);
    await expectKilledWhole(job.jobId, tree.length);
  });
});
