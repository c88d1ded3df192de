import { join } from "node:path";
import type { BenchContext, Timed } from "../lib/context.ts";
import { reapJob, startJob, waitTree, type JobShape } from "../lib/jobs.ts";
import { waitGone } from "../lib/procs.ts";
import { argvOf, setupRealCodex } from "../lib/realCodex.ts";
import { alternate, ratio, summarize } from "../lib/stats.ts";
import type { Suite } from "../lib/suite.ts";

type Tree = Array<{ pid: number; startTicks: string }>;

interface Prepared { readonly jobId: string; readonly tree: Tree }

/** Starts one job of the shape and waits for its whole tree. */
export const prepare = async (ctx: BenchContext, env: Record<string, string>, shape: JobShape, until?: (pids: ReadonlyArray<number>) => boolean): Promise<Prepared> => {
  const job = await startJob(ctx, shape, { env });
  const tree = await waitTree(job.pid, shape.size ?? 3, 60_000, until);
  return { jobId: job.jobId, tree };
};

/**
 * Times one ending: from the command's spawn to the last process of the tree gone. "supervisor"
 * is `codex-supervisor kill JOB --grace …` with `extra` arguments after it; its output comes back.
 */
export const timeKill = async (
  ctx: BenchContext, env: Record<string, string>, p: Prepared, argv: ReadonlyArray<string> | "supervisor", graceMs: number,
  extra: ReadonlyArray<string> = ["--json"],
): Promise<{ ms: number; done: Timed }> => {
  const t0 = performance.now();
  const run = argv === "supervisor"
    ? ctx.cli(["kill", p.jobId, "--grace", `${graceMs}ms`, ...extra], { env })
    : ctx.run(argv, { env });
  const gone = await waitGone(p.tree, graceMs + 30_000);
  const done = await run;
  await reapJob(p.jobId);
  if (gone === undefined) throw new Error(`tree of job ${p.jobId} still alive after ${graceMs + 30_000} ms (${argv === "supervisor" ? "kill" : argv[0]} exited ${done.code}: ${done.stderr.slice(0, 500)})`);
  if (argv === "supervisor" && done.code !== 0) throw new Error(`kill exited ${done.code}: ${done.stdout}${done.stderr}`);
  return { ms: gone - t0, done };
};

/** The floor: `kill` with every PID already known, then (stubborn) the same grace and SIGKILL. */
const floorArgv = (tree: Tree, stubborn: boolean, graceMs: number): string[] => {
  const pids = tree.map((p) => p.pid).join(" ");
  return ["sh", "-c", stubborn ? `kill -TERM ${pids}; sleep ${graceMs / 1000}; kill -KILL ${pids} 2>/dev/null; true` : `kill -TERM ${pids}`];
};

/** 3. From `kill JOB` to the whole tree gone. */
export const killSuite: Suite = {
  id: "kill",
  title: "3. Kill latency",
  method: [
    "From spawning `codex-supervisor kill JOB` to the last process of the job's tree gone (polled in /proc every",
    "2 ms), for Codex-shaped trees of 3, 10 and 50 processes (tools in their own sessions), cooperative and",
    "ignoring SIGTERM, and for a real Codex job running a tool. The floor is `kill` given every PID up front",
    "(and, for stubborn trees, the same grace then SIGKILL): what any tool that already knew the tree would pay.",
  ].join(" "),
  run: async ({ ctx, quick, log }, out) => {
    const env = { CODEX_SUPERVISOR_DB: join(ctx.root, "state", "kill.db") };
    const sizes = quick ? [3] : [3, 10, 50];
    const reps = quick ? 1 : 10;
    const graceMs = quick ? 300 : 1000;
    for (const stubborn of [false, true]) {
      for (const size of sizes) {
        log(`kill: ${size} processes, ${stubborn ? "stubborn" : "cooperative"}`);
        const shape = { size, stubborn, name: `kill-${size}` };
        const times = await alternate([
          { name: "sup", run: async () => (await timeKill(ctx, env, await prepare(ctx, env, shape), "supervisor", graceMs)).ms },
          { name: "floor", run: async () => { const p = await prepare(ctx, env, shape); return (await timeKill(ctx, env, p, floorArgv(p.tree, stubborn, graceMs), graceMs)).ms; } },
        ], reps, 0);
        const sup = summarize(times.get("sup")!);
        const floor = summarize(times.get("floor")!);
        const limit = stubborn ? graceMs + 150 : 250;
        out.rows.push({
          case: `${size} processes, ${stubborn ? `ignore SIGTERM (grace ${graceMs} ms)` : "cooperative"}`,
          unit: "ms",
          values: { "codex-supervisor kill": sup, "floor: kill PIDs": floor },
          ratios: { "÷ floor": ratio(sup.median, floor.median) },
          goal: { text: `max ≤ ${limit} ms`, met: sup.max <= limit, actual: `max ${Math.round(sup.max)} ms, median ${Math.round(sup.median)} ms` },
        });
      }
    }
    const real = setupRealCodex(ctx);
    if (!real) {
      out.notes.push("real Codex not installed (node_modules/.bin/codex): its case was skipped");
      return;
    }
    log("kill: real Codex");
    const realEnv = { ...env, ...real.env };
    const shape: JobShape = { name: "kill-real", prompt: "RUN: sleep 60\nHOLD: 60", execArgs: real.execArgs, size: 3 };
    const hasTool = (pids: ReadonlyArray<number>) => pids.some((pid) => argvOf(pid).join(" ") === "sleep 60");
    const times = await alternate([
      { name: "sup", run: async () => (await timeKill(ctx, realEnv, await prepare(ctx, realEnv, shape, hasTool), "supervisor", 5000)).ms },
      { name: "floor", run: async () => { const p = await prepare(ctx, realEnv, shape, hasTool); return (await timeKill(ctx, realEnv, p, floorArgv(p.tree, false, 0), 5000)).ms; } },
    ], quick ? 1 : 5, 0);
    const sup = summarize(times.get("sup")!);
    const floor = summarize(times.get("floor")!);
    out.rows.push({
      case: "real Codex: node launcher → native → bash → sleep",
      unit: "ms",
      values: { "codex-supervisor kill": sup, "floor: kill PIDs": floor },
      ratios: { "÷ floor": ratio(sup.median, floor.median) },
      goal: { text: "max ≤ 250 ms", met: sup.max <= 250, actual: `max ${Math.round(sup.max)} ms, median ${Math.round(sup.median)} ms` },
    });
  },
};
