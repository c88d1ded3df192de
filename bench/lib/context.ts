/**
 * A bench run's sandbox: a temporary CODEX_HOME, database and config dir, the fake
 * Codex, a timed way to run the real CLI, and a clean-up that ends every process the
 * run started (each carries the run's marker in its environment) — and nothing else.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { delimiter, join, resolve } from "node:path";
import { databasesUnder, removeJobCgroups } from "../../test/support/jobCgroups.ts";
import { type FakeCodex, writeFakeCodex } from "./fakeCodex.ts";
import { envValues, isGone, killByEnv } from "./procs.ts";
import { measured, type PeakRss, readPeak } from "./rss.ts";

export const REPO = resolve(import.meta.dirname, "../..");
/** The CLI under test: this checkout's, or another build of it (e.g. a bundle) named by CODEX_SUPERVISOR_BENCH_CLI. */
export const CLI = process.env.CODEX_SUPERVISOR_BENCH_CLI ?? join(REPO, "bin/codex-supervisor.ts");
export const RUN_MARKER = "CODEX_SUPERVISOR_BENCH_RUN";

export interface Timed {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
  /** Wall time from spawn to exit, ms. */
  readonly ms: number;
}

export interface RunOptions {
  readonly cwd?: string;
  readonly env?: Record<string, string | undefined>;
  readonly stdin?: string;
  /** Killed (SIGKILL) after this long; its Timed then says so on stderr and exits 124, as timeout(1) does. */
  readonly timeoutMs?: number;
}

export interface BenchContext {
  readonly runId: string;
  readonly root: string;
  readonly codexHome: string;
  readonly quick: boolean;
  /** The base environment of everything the run starts. */
  readonly env: Record<string, string>;
  readonly fake: FakeCodex;
  /** The same tree under a name that is not Codex's (what PM2 manages). */
  readonly disguised: FakeCodex;
  /** A fresh directory under the run's root. */
  dir(name: string): string;
  /** Runs a command to its end, timed. */
  run(argv: ReadonlyArray<string>, options?: RunOptions): Promise<Timed>;
  /** Runs `codex-supervisor ARGS…` (this checkout's CLI under Bun), timed. */
  cli(args: ReadonlyArray<string>, options?: RunOptions): Promise<Timed>;
  /**
   * Runs `codex-supervisor ARGS…` under bench/lib/rss.ts, for its peak RSS: a child of the
   * bench would report the bench's own. Its time includes the measurer's start: not for timing.
   */
  cliPeak(args: ReadonlyArray<string>, options?: RunOptions): Promise<Timed & PeakRss>;
  /** Starts a long-running process of the run (ended by the clean-up). */
  spawn(argv: ReadonlyArray<string>, options?: RunOptions): Bun.Subprocess<"ignore", "ignore", "pipe">;
  /**
   * Writes the global config every CLI of the run reads; undefined removes it. A suite that
   * writes one removes it when done, so every suite starts as a run of it alone would: with no
   * config file (which the CLI reads without loading cosmiconfig or zod, see src/config/load.ts).
   */
  writeConfig(config: unknown): void;
  /** Registers a clean-up step, run (newest first) before processes are swept. */
  onCleanup(step: () => Promise<void> | void): void;
  cleanup(): Promise<void>;
}

// Under `bun --bun` a `node` that is really Bun leads PATH: PM2 and real Codex should get the real one.
const userPath = (process.env.PATH ?? "").split(delimiter).filter((p) => !p.includes("bun-node-")).join(delimiter);

const merged = (base: Record<string, string>, extra: Record<string, string | undefined> = {}) => {
  const env = { ...base };
  for (const [k, v] of Object.entries(extra)) {
    if (v === undefined) delete env[k];
    else env[k] = v;
  }
  return env;
};

/**
 * Ends what earlier runs left behind when they could not clean up (SIGKILLed, a crash): every
 * process carrying a run marker whose run (the PID at the end of the marker) is gone.
 */
export const sweepAbandonedRuns = async (): Promise<number> => {
  const abandoned = new Set(envValues(RUN_MARKER).map((e) => e.value).filter((run) => {
    const pid = Number(run.split("-").at(-1));
    return Number.isInteger(pid) && pid > 0 && pid !== process.pid && isGone(pid);
  }));
  let killed = 0;
  for (const run of abandoned) killed += await killByEnv(RUN_MARKER, run);
  return killed;
};

export const createContext = (options: { readonly quick: boolean }): BenchContext => {
  const runId = `${Date.now().toString(36)}-${process.pid}`;
  const root = mkdtempSync(join(tmpdir(), "cs-bench-"));
  const codexHome = join(root, "codex-home");
  mkdirSync(codexHome);
  const fake = writeFakeCodex(join(root, "fake"), "codex");
  const disguised = writeFakeCodex(join(root, "disguised"), "agent");
  const env: Record<string, string> = {
    ...(process.env as Record<string, string>),
    PATH: userPath,
    CODEX_HOME: codexHome,
    CODEX_SUPERVISOR_DB: join(root, "state", "supervisor.db"),
    CODEX_SUPERVISOR_CODEX: fake.launcher,
    XDG_CONFIG_HOME: join(root, "xdg-config"),
    XDG_STATE_HOME: join(root, "xdg-state"),
    [RUN_MARKER]: runId,
  };
  delete env.VIRTUAL_ENV;
  const steps: Array<() => Promise<void> | void> = [];

  const run = async (argv: ReadonlyArray<string>, o: RunOptions = {}): Promise<Timed> => {
    const started = performance.now();
    const proc = Bun.spawn([...argv], {
      cwd: o.cwd ?? root,
      env: merged(env, o.env),
      stdin: o.stdin === undefined ? "ignore" : new TextEncoder().encode(o.stdin),
      stdout: "pipe",
      stderr: "pipe",
    });
    let timedOut = false;
    const timer = o.timeoutMs === undefined ? undefined : setTimeout(() => { timedOut = true; proc.kill("SIGKILL"); }, o.timeoutMs);
    const [stdout, stderr, code] = await Promise.all([new Response(proc.stdout).text(), new Response(proc.stderr).text(), proc.exited]).finally(() => clearTimeout(timer));
    const ms = performance.now() - started;
    if (timedOut) return { code: 124, stdout, stderr: `${stderr}\n(killed after ${o.timeoutMs} ms: it did not end in time)`, ms };
    return { code, stdout, stderr, ms };
  };

  return {
    runId, root, codexHome, quick: options.quick, env, fake, disguised,
    dir: (name) => {
      const dir = join(root, name);
      mkdirSync(dir, { recursive: true });
      return dir;
    },
    run,
    cli: (args, o) => run([process.execPath, CLI, ...args], o),
    cliPeak: async (args, o) => {
      const out = join(root, `peak-${crypto.randomUUID()}.json`);
      const t = await run(measured(out, [process.execPath, CLI, ...args]), o);
      return { ...t, ...readPeak(out) };
    },
    spawn: (argv, o = {}) => Bun.spawn([...argv], { cwd: o.cwd ?? root, env: merged(env, o.env), stdin: "ignore", stdout: "ignore", stderr: "pipe" }),
    writeConfig: (config) => {
      const dir = join(env.XDG_CONFIG_HOME!, "codex-supervisor");
      if (config === undefined) return rmSync(join(dir, "config.json"), { force: true });
      mkdirSync(dir, { recursive: true });
      writeFileSync(join(dir, "config.json"), JSON.stringify(config, null, 2));
    },
    onCleanup: (step) => { steps.push(step); },
    cleanup: async () => {
      for (const step of steps.splice(0).reverse()) {
        try { await step(); } catch (e) { process.stderr.write(`bench: clean-up step failed: ${String(e)}\n`); }
      }
      await killByEnv(RUN_MARKER, runId);
      // the run's jobs' cgroups, emptied by the kills above (a job ended by marker never had its group released):
      // those its databases name, not every empty one on the machine, where another run's start may have just made its own
      await removeJobCgroups(databasesUnder(root))
        .catch((e: unknown) => process.stderr.write(`bench: removing the jobs' cgroups failed: ${String(e)}\n`));
      try {
        rmSync(root, { recursive: true, force: true, maxRetries: 5 });
      } catch (e) {
        process.stderr.write(`bench: removing ${root} failed (left for the OS's temporary-file clean-up): ${String(e)}\n`);
      }
    },
  };
};

/** Fails with the command's output when it did not exit 0. */
export const ok = <T extends Timed>(what: string, t: T): T => {
  if (t.code !== 0) throw new Error(`${what} exited ${t.code}:\n${t.stdout.slice(0, 2000)}\n${t.stderr.slice(0, 2000)}`);
  return t;
};
