/**
 * Trees: `codex-supervisor kill` leaves no survivor, whatever shape the job's tree takes,
 * and the supervisor itself is not hurt.
 *
 * Each shape (support/treeShapes.ts) runs for real, rooted in a session of its own like a
 * launched job, every process carrying the job's marker as Codex's tools do. The job is
 * recorded in a database and the real CLI kills it; afterwards no process of the tree may
 * run, the CLI must have exited by itself with 0, and a bystander sharing the CLI's process
 * group must be untouched (a kill that signalled a group, or a SIGHUP sent to an orphaned
 * group we belonged to, would hit it). Then what the old stray and owner rules let live
 * (issue 22): strays with no thread id or another thread's, a descendant of another user
 * (ended as root; run unprivileged, a survivor the kill must report, exit 1). Then real
 * Codex jobs: one whose launcher was SIGKILLed, one whose tool daemonized, one whose tool
 * left daemons of no thread and another thread. CS_ADVERSARIAL_ROUNDS=N runs every shape N times.
 */
import { execFileSync } from "node:child_process";
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Effect } from "effect";
import { afterAll, afterEach, beforeAll, describe, expect, test } from "vitest";
import { type Job, JOB_MARKER } from "../../src/core/job.ts";
import { readLinuxProcess } from "../../src/services/proc/linux.ts";
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
const fig = figures("trees", { shapes: 0, runs: 0, processes: 0, survivors: 0, supervisorHurt: 0, bystandersHurt: 0, realCodexJobs: 0, unpermittedSurvivorsReported: 0 });

beforeAll(() => { mkdirSync(join(dir, "xdg-config"), { recursive: true }); });
afterEach(async () => { await keeper.cleanup(); });
afterAll(async () => {
  await keeper.cleanup();
  const v = fig.values;
  fig.write(`${v.shapes} tree shapes, ${v.runs} kills, ${v.processes} processes: ${v.survivors} survivors, supervisor hurt ${v.supervisorHurt} times, bystanders hurt ${v.bystandersHurt}; ` +
    `${v.unpermittedSurvivorsReported} survivors the kernel would not let an unprivileged kill signal, each reported (exit 1)`);
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

/** Starts `script` as a recorded job's root (its marker in its environment, with `env`); the job and the PIDs the script reports. */
const startRecorded = async (script: string, expected: number, env: Record<string, string> = {}, over: Partial<Job> = {}) => {
  const jobId = crypto.randomUUID();
  const out = join(dir, `${jobId}.pids`);
  const createdAt = Date.now();
  const root = keeper.spawnDetached(["bash", "-c", script.replaceAll("$OUT", out)], keeper.env({ [JOB_MARKER]: jobId, ...env }));
  await until(`${expected} processes up`, () => pidsIn(out).length >= expected || undefined);
  const pids = pidsIn(out).flatMap((pid) => { const id = keeper.adopt(identityNow(pid)); return id ? [id] : []; });
  return { jobId, root, pids, createdAt, record: (db = dbPath) => insertInto(db, recordedJob(jobId, identityNow(root.pid)!, { createdAt: createdAt - 50, ...over })) };
};
const insertInto = (db: string, job: Job) =>
  Effect.runPromise(Effect.gen(function* () { yield* (yield* JobStore).insert(job); }).pipe(Effect.provide(JobStore.layer(db))));
const eventsOf = (db: string, jobId: string) =>
  Effect.runPromise(Effect.gen(function* () { return yield* (yield* JobStore).listEvents({ jobId }); }).pipe(Effect.provide(JobStore.layer(db))));
const SETPRIV_NOBODY = ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups"];
type KillJson = { result: string; survivors: number[]; survivorReasons: Array<{ pid: number; reason: string }> };

describe("processes of the job that the stray and owner rules used to let go (issue 22)", () => {
  test("strays with the job's marker and no thread id, or another thread's, reparented to init, are ended", async () => {
    const thread = crypto.randomUUID();
    const job = await startRecorded(
      `(env -u CODEX_THREAD_ID setsid sleep 900 & echo $! >> $OUT); (CODEX_THREAD_ID=${crypto.randomUUID()} setsid sleep 901 & echo $! >> $OUT); sleep 902 & echo $! >> $OUT; wait`,
      3, { CODEX_THREAD_ID: thread }, { threadId: thread });
    const [noThread, otherThread] = job.pids;
    await until("both strays reparented to init", () => [noThread!, otherThread!].every((p) => readLinuxProcess(p.pid)?.ppid === 1) || undefined);
    await job.record();
    const r = await runCli(["kill", job.jobId, "--grace", "300ms", "--json"], cliEnv, { cwd: dir });
    const left = [job.root, ...job.pids].filter(stillRunning).map((p) => p.pid);
    fig.add("runs");
    fig.add("processes", job.pids.length + 1);
    fig.add("survivors", left.length);
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout).result).toBe("killed");
    expect(left).toEqual([]);
    expect(pidsWithEnv(JOB_MARKER, job.jobId)).toEqual([]);
  });

  test.skipIf(process.getuid?.() !== 0)("as root, a descendant running as another user (the tool ran setpriv) is ended, and the kill says killed", async () => {
    const job = await startRecorded(`${SETPRIV_NOBODY.join(" ")} sleep 900 & echo $! >> $OUT; sleep 901 & echo $! >> $OUT; wait`, 2);
    const [theirs] = job.pids;
    await until("the tool's sleep running as uid 65534", () => readLinuxProcess(theirs!.pid)?.uid === 65534 || undefined);
    await job.record();
    const r = await runCli(["kill", job.jobId, "--grace", "300ms", "--json"], cliEnv, { cwd: dir });
    expect(r.code, r.stderr).toBe(0);
    const json = JSON.parse(r.stdout) as KillJson;
    const left = [job.root, ...job.pids].filter(stillRunning).map((p) => p.pid);
    fig.add("runs");
    fig.add("processes", job.pids.length + 1);
    fig.add("survivors", left.length);
    expect([json.result, json.survivors]).toEqual(["killed", []]);
    expect(stillRunning(theirs!)).toBe(false);
    expect(left).toEqual([]);
  });

  describe.skipIf(process.getuid?.() !== 0)("run unprivileged (uid 65534) over a job with a root-owned descendant the kernel will not let it signal", () => {
    /** The job runs as 65534 (bash started as root forks a sleep, then becomes 65534 by exec); the CLI too, with a database it owns. */
    const killAsNobody = async (json: boolean) => {
      chmodSync(dir, 0o711); // the unprivileged CLI goes through it to its own directory
      const home = mkdtempSync(join(dir, "nobody-"));
      const db = join(home, "state", "supervisor.db");
      const job = await startRecorded(`sleep 900 & echo $! >> $OUT; exec ${SETPRIV_NOBODY.join(" ")} sleep 901`, 1);
      const [rootOwned] = job.pids;
      await until("the job's root running as uid 65534", () => readLinuxProcess(job.root.pid)?.uid === 65534 || undefined);
      await job.record(db);
      execFileSync("chown", ["-R", "65534:65534", home]);
      const env = { ...cliEnv, HOME: home, CODEX_SUPERVISOR_DB: db, XDG_CONFIG_HOME: join(home, "config"), XDG_STATE_HOME: join(home, "state") };
      const r = await runCli(["kill", job.jobId, "--grace", "300ms", ...(json ? ["--json"] : [])], env, { cwd: home, prefix: SETPRIV_NOBODY });
      fig.add("runs");
      if (r.code === 1 && stillRunning(rootOwned!)) fig.add("unpermittedSurvivorsReported");
      return { r, job, rootOwned: rootOwned!, db };
    };

    test("--json: exit 1, the survivor listed with why, the rest ended, and the kill event says survivors", async () => {
      const { r, job, rootOwned, db } = await killAsNobody(true);
      expect(r.code, r.stderr).toBe(1);
      const json = JSON.parse(r.stdout) as KillJson;
      expect(json.result).toBe("survivors");
      expect(json.survivors).toEqual([rootOwned.pid]);
      expect(json.survivorReasons).toEqual([{ pid: rootOwned.pid, reason: expect.stringContaining("EPERM") }]);
      expect(stillRunning(rootOwned)).toBe(true);
      expect(stillRunning(job.root)).toBe(false);
      const kill = (await eventsOf(db, job.jobId)).filter((e) => e.kind === "kill").at(-1);
      expect(kill?.message).toContain("survivors");
      expect(kill?.message).toContain(String(rootOwned.pid));
    });

    test("text: exit 1, naming the pid and why", async () => {
      const { r, rootOwned } = await killAsNobody(false);
      expect(r.code, r.stderr).toBe(1);
      expect(r.stdout).toMatch(new RegExp(`\\b${rootOwned.pid}\\b.*EPERM`));
      expect(stillRunning(rootOwned)).toBe(true);
    });
  });
});

describe("real Codex jobs", () => {
  let sb: Sandbox;
  beforeAll(() => {
    sb = createSandbox();
    sb.writeGlobalConfig({ codex: { args: ["--skip-git-repo-check", "--dangerously-bypass-approvals-and-sandbox"] } });
  });
  afterAll(async () => { await sb.cleanup(); });

  const startJob = async (prompt: string, codexArgs: ReadonlyArray<string> = []) => {
    const r = await sb.cli(["start", "--json", "--cwd", sb.project(`p-${crypto.randomUUID().slice(0, 8)}`), "-", ...(codexArgs.length > 0 ? ["--", ...codexArgs] : [])], { stdin: prompt });
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
    const job = await startJob(`RUN: setsid bash -c 'trap "" TERM; sleep 300' & sleep 300\nHOLD: 300`);
    const tree = await until("launcher, native and tools", () => { const p = jobPids(job.jobId); return p.length >= 4 ? p : undefined; }, 30_000);
    for (let i = 0; i < 100 && (await sb.cli(["status", job.jobId, "--json"])).json<{ nativePid: number | null }>().nativePid === null; i++) await Bun.sleep(100);
    process.kill(job.pid, "SIGKILL");
    await until("the launcher gone", () => !stillRunning(identityNow(job.pid) ?? { pid: job.pid, startTime: "?" }) || undefined);
    await expectKilledWhole(job.jobId, tree.length);
  });

  test("a job whose tool left daemons with no thread id and with another thread's (reparented to init) is ended whole", async () => {
    // no login shell: a profile that is slow to source (pyenv waiting on its lock) could outlast the turn, and the daemons never start
    const job = await startJob(`RUN: (env -u CODEX_THREAD_ID setsid sleep 900 &); (CODEX_THREAD_ID=${crypto.randomUUID()} setsid sleep 901 &); sleep 302`, ["-c", "allow_login_shell=false"]);
    const daemons = await until("both daemons reparented to init", () => {
      const found = jobPids(job.jobId).flatMap((pid) => { const p = readLinuxProcess(pid); return p?.ppid === 1 && p.name === "sleep" && ["900", "901"].includes(p.argv[1] ?? "") ? [p] : []; });
      return found.length === 2 ? found.map((p) => keeper.adopt(identityNow(p.pid))!) : undefined;
    }, 30_000);
    // the job's thread is known (its native Codex holds the rollout open): the daemons' threads differ from it
    let thread: string | null = null;
    for (const deadline = Date.now() + 30_000; thread === null && Date.now() < deadline;) {
      thread = (await sb.cli(["status", job.jobId, "--json"])).json<{ threadId: string | null }>().threadId;
    }
    expect(thread).not.toBeNull();
    await expectKilledWhole(job.jobId, jobPids(job.jobId).length);
    expect(daemons.filter(stillRunning)).toEqual([]);
  });

  test("a job whose tool daemonized (setsid double fork, nohup) is ended whole", async () => {
    const job = await startJob(`RUN: (setsid sleep 300 &); nohup sleep 301 >/dev/null 2>&1 & sleep 302`);
    const tree = await until("native and the tool's processes", () => { const p = jobPids(job.jobId); return p.length >= 5 ? p : undefined; }, 30_000);
    await expectKilledWhole(job.jobId, tree.length);
  });
});
