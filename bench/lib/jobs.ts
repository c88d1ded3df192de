/** Starting Codex-shaped jobs through the real `codex-supervisor start`, and waiting for their trees. */
import { JOB_MARKER } from "../../src/core/job.ts";
import { type BenchContext, ok, type RunOptions } from "./context.ts";
import { killByEnv, procStat, treePids } from "./procs.ts";

export interface StartedJob {
  readonly jobId: string;
  readonly pid: number;
  /** When the job was recorded (its runtime counts from here), epoch ms. */
  readonly createdAt: number;
  readonly startMs: number;
  /** Set when the job had already ended when `start` returned (e.g. a policy killed it while start waited for its thread). */
  readonly ended?: { readonly status: string; readonly at: number };
}

export interface JobShape {
  /** Processes in the whole tree: launcher + native + tools (at least 3). */
  readonly size?: number;
  readonly stubborn?: boolean;
  readonly name?: string;
  readonly cwd?: string;
  readonly env?: Record<string, string | undefined>;
  /** Arguments after `--` (to `codex exec`). */
  readonly execArgs?: ReadonlyArray<string>;
  readonly prompt?: string;
}

interface StartJson { readonly jobId: string; readonly pid: number; readonly startedAt: string; readonly status: string; readonly endedAt?: string | null }

/**
 * Starts a job through the CLI. With `acceptEnded`, a start that exits 1 because the job already
 * ended (its JSON says how and when) is a result, not an error: on a loaded machine a real Codex can
 * take longer to create its thread than a benchmark's policy gives the job.
 */
export const startJob = async (
  ctx: BenchContext, shape: JobShape = {}, options: RunOptions & { readonly acceptEnded?: boolean } = {},
): Promise<StartedJob> => {
  const args = ["start", "--json", "--no-venv", ...(shape.name ? ["--name", shape.name] : []), ...(shape.cwd ? ["--cwd", shape.cwd] : []), "-"];
  if (shape.execArgs) args.push("--", ...shape.execArgs);
  const run = await ctx.cli(args, {
    ...options,
    stdin: shape.prompt ?? "benchmark job",
    env: {
      FAKE_CODEX_TOOLS: String(Math.max(1, (shape.size ?? 3) - 2)),
      FAKE_CODEX_STUBBORN: shape.stubborn ? "1" : undefined,
      ...options.env,
      ...shape.env,
    },
  });
  const endedEarly = options.acceptEnded === true && run.code === 1 ? parseStart(run.stdout) : undefined;
  if (endedEarly?.endedAt) {
    const at = Date.parse(endedEarly.endedAt);
    return { jobId: endedEarly.jobId, pid: endedEarly.pid, createdAt: Date.parse(endedEarly.startedAt), startMs: run.ms, ended: { status: endedEarly.status, at } };
  }
  const t = ok("codex-supervisor start", run);
  const job = JSON.parse(t.stdout) as StartJson;
  return { jobId: job.jobId, pid: job.pid, createdAt: Date.parse(job.startedAt), startMs: t.ms };
};

const parseStart = (stdout: string): StartJson | undefined => {
  try {
    const job = JSON.parse(stdout) as StartJson;
    return typeof job.jobId === "string" && typeof job.startedAt === "string" ? job : undefined;
  } catch {
    return undefined;
  }
};

/** Waits until the tree under `pid` has at least `size` live processes (or `until` holds); returns them. */
export const waitTree = async (
  pid: number, size: number, timeoutMs = 30_000, until?: (pids: ReadonlyArray<number>) => boolean,
): Promise<Array<{ pid: number; startTicks: string }>> => {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const pids = treePids(pid).filter((p) => procStat(p) !== undefined);
    if (pids.length >= size && (!until || until(pids))) {
      return pids.flatMap((p) => {
        const s = procStat(p);
        return s ? [{ pid: p, startTicks: s.startTicks }] : [];
      });
    }
    if (Date.now() > deadline) throw new Error(`tree of ${pid} has ${pids.length} processes after ${timeoutMs} ms, expected ${size}`);
    await Bun.sleep(20);
  }
};

/** Ends every process of a job, by its marker, without the supervisor (bench clean-up). */
export const reapJob = (jobId: string) => killByEnv(JOB_MARKER, jobId);

/** Runs `f` over `items` with at most `limit` at a time. */
export const pool = async <A, B>(items: ReadonlyArray<A>, limit: number, f: (item: A, i: number) => Promise<B>): Promise<B[]> => {
  const out: B[] = new Array<B>(items.length);
  let next = 0;
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await f(items[i]!, i);
    }
  }));
  return out;
};

/**
 * A pool of running supervisor jobs (3-process trees across 5 project directories), sized on
 * demand and shared by the benchmarks that measure "with N jobs running": `resize` starts what
 * is missing and ends the newest surplus jobs, so N is N whatever ran before.
 */
export const jobFleet = (ctx: BenchContext, env: Record<string, string>) => {
  const jobs: StartedJob[] = [];
  const projects = Array.from({ length: 5 }, (_, i) => ctx.dir(`projects/p${i}`));
  const grow = async (n: number) => {
    const want = Array.from({ length: Math.max(0, n - jobs.length) }, (_, i) => jobs.length + i);
    const started = await pool(want, 2, (i) => startJob(ctx, { name: `fleet-${i}`, cwd: projects[i % projects.length]! }, { env }));
    jobs.push(...started);
    for (const job of started) await waitTree(job.pid, 3);
  };
  return {
    jobs,
    grow,
    resize: async (n: number) => {
      for (const job of jobs.splice(n)) await reapJob(job.jobId);
      await grow(n);
    },
    teardown: async () => {
      for (const job of jobs.splice(0)) await reapJob(job.jobId);
    },
  };
};
