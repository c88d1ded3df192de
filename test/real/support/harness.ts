/**
 * A sandbox per test file for driving the real CLI and the real Codex binary:
 * a temporary CODEX_HOME wired to the loopback model server, a temporary
 * database and config dir, and a clean-up that ends every process started
 * under that CODEX_HOME — and nothing else.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { delimiter, dirname, join, resolve } from "node:path";
import { test, type TestFunction, type TestOptions } from "vitest";
import { codexConfigFor, type ModelServer, startModelServer } from "./modelServer.ts";
import { pidsWithVariable } from "./procs.ts";
import { removeJobCgroups } from "../../support/jobCgroups.ts";

/** This run's process table is the portable one (ps and lsof): the second pass over the core cases (test/matrix/projects.ts). */
export const PORTABLE_PASS = process.env.CODEX_SUPERVISOR_PROCESS_TABLE === "portable";
/**
 * Which pass of the end-to-end suite this is (test/matrix/projects.ts sets it): `full` (the pinned
 * release, or every release with `bun run test:matrix`), `portable` (the pinned release again with
 * the portable process table), `older` (an older release of the matrix in the default run).
 */
export type Pass = "full" | "portable" | "older";
export const PASS: Pass = PORTABLE_PASS ? "portable" : process.env.CODEX_SUPERVISOR_TEST_PASS === "older" ? "older" : "full";

const WHY_SKIPPED: Record<Exclude<Pass, "full">, string> = {
  portable: "the portable pass repeats only the core cases; this one runs on the platform's own process table",
  older: "an older release runs the per-release cases (start, logs, the stubborn kill, the venv; compat.test.ts); `bun run test:matrix` runs every case against it",
};

/**
 * A case for some passes only: in the others it is skipped saying why, so the end-of-run list of
 * skips gives the reason. The full pass runs every case.
 */
export const inPasses = (passes: ReadonlyArray<Exclude<Pass, "full">>) =>
  (name: string, ...rest: [TestFunction] | [TestOptions, TestFunction]): void => {
    if (PASS !== "full" && !passes.includes(PASS)) test(name, (ctx) => ctx.skip(WHY_SKIPPED[PASS]));
    else if (rest.length === 1) test(name, rest[0]);
    else test(name, rest[0], rest[1]);
  };

/** A case outside every repeated pass's core: it runs once, on the pinned release and the platform's own backend. */
export const fullPassOnly = inPasses([]);

export const REPO = resolve(import.meta.dirname, "../../..");
export const CODEX_BIN = process.env.CODEX_SUPERVISOR_TEST_CODEX ?? join(REPO, "node_modules/.bin/codex");
const CLI = join(REPO, "bin/codex-supervisor.ts");

export interface CliResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
  json<T = unknown>(): T;
}

export interface Sandbox {
  readonly root: string;
  readonly codexHome: string;
  readonly dbPath: string;
  readonly model: ModelServer;
  readonly env: Record<string, string>;
  /** A fresh project directory under the sandbox. */
  project(name: string): string;
  cli(args: ReadonlyArray<string>, options?: { cwd?: string; stdin?: string; env?: Record<string, string> }): Promise<CliResult>;
  /** Runs `codex exec` directly, as some other tool would: the supervisor did not start it. */
  spawnCodex(prompt: string, cwd: string): Bun.Subprocess;
  /** Starts `codex-supervisor watch` in the background; the sandbox's clean-up ends it. */
  spawnWatch(args?: ReadonlyArray<string>, options?: { cwd?: string }): Bun.Subprocess;
  /** Writes the sandbox's global config (what a user keeps in ~/.config/codex-supervisor/). */
  writeGlobalConfig(config: unknown): void;
  /** PIDs of live processes started under this sandbox's CODEX_HOME. */
  livePids(): number[];
  cleanup(): Promise<void>;
}

// `bun --bun` puts a `node` that is really bun first on PATH; the jobs should run the
// npm launcher under the real node, as they do for users.
const userPath = (process.env.PATH ?? "").split(delimiter).filter((p) => !p.includes("bun-node-")).join(delimiter);

/**
 * The sandbox's HOME, for the login shells Codex runs each tool command in. Its `.profile` puts the
 * folder of the `python` this run resolves first on PATH (after /etc/profile reset it), as a user's
 * profile does with pyenv or Homebrew — and does nothing else. The developer's own dotfiles stay out:
 * this machine's ~/.bashrc (`pyenv init`, `pyenv virtualenv-init`) kept every tool command's output
 * open for Codex's full 10 s yield, whatever the command (`bun bench/tools/tool-command-time.ts`).
 */
const writeHome = (home: string): void => {
  mkdirSync(home);
  const python = Bun.which("python", { PATH: userPath });
  const line = python && !["/usr/bin", "/bin"].includes(dirname(python)) ? `export PATH=${JSON.stringify(dirname(python))}:"$PATH"\n` : "";
  writeFileSync(join(home, ".profile"), `# the sandbox's login profile (test/real/support/harness.ts)\n${line}`);
};

export const createSandbox = (): Sandbox => {
  const root = mkdtempSync(join(tmpdir(), "cs-test-"));
  const codexHome = join(root, "codex-home");
  mkdirSync(codexHome);
  const model = startModelServer();
  writeFileSync(join(codexHome, "config.toml"), codexConfigFor(model));
  const dbPath = join(root, "state", "supervisor.db");
  writeHome(join(root, "home"));
  const env: Record<string, string> = {
    ...(process.env as Record<string, string>),
    HOME: join(root, "home"),
    PATH: userPath,
    CODEX_HOME: codexHome,
    CODEX_SUPERVISOR_DB: dbPath,
    CODEX_SUPERVISOR_CODEX: CODEX_BIN,
    XDG_CONFIG_HOME: join(root, "xdg-config"),
    XDG_STATE_HOME: join(root, "xdg-state"),
  };
  delete env.VIRTUAL_ENV;
  // Tests kill login shells mid-start; a shell killed while pyenv rehashes leaves its lock behind,
  // and every later `bash -l` would wait 60 s for it.
  env.PYENV_REHASH_TIMEOUT = "2";
  const livePids = () => pidsWithVariable("CODEX_HOME", codexHome);
  return {
    root, codexHome, dbPath, model, env,
    project: (name) => {
      const dir = join(root, name);
      mkdirSync(dir, { recursive: true });
      return dir;
    },
    cli: async (args, options = {}) => {
      const proc = Bun.spawn([process.execPath, CLI, ...args], {
        cwd: options.cwd ?? root,
        env: { ...env, ...options.env },
        stdin: options.stdin === undefined ? "ignore" : new TextEncoder().encode(options.stdin),
        stdout: "pipe",
        stderr: "pipe",
      });
      const [stdout, stderr, code] = await Promise.all([new Response(proc.stdout).text(), new Response(proc.stderr).text(), proc.exited]);
      return {
        code, stdout, stderr,
        json: <T>() => {
          try { return JSON.parse(stdout) as T; } catch { throw new Error(`not JSON (exit ${code}):\n${stdout}\n${stderr}`); }
        },
      };
    },
    spawnCodex: (prompt, cwd) => Bun.spawn([CODEX_BIN, "exec", "--skip-git-repo-check", "--dangerously-bypass-approvals-and-sandbox", prompt], {
      cwd, env, stdin: "ignore", stdout: "ignore", stderr: "ignore",
    }),
    spawnWatch: (args = [], options = {}) => Bun.spawn([process.execPath, CLI, "watch", ...args], {
      cwd: options.cwd ?? root, env, stdin: "ignore", stdout: "ignore", stderr: "pipe",
    }),
    writeGlobalConfig: (config) => {
      const dir = join(env.XDG_CONFIG_HOME!, "codex-supervisor");
      mkdirSync(dir, { recursive: true });
      writeFileSync(join(dir, "config.json"), JSON.stringify(config, null, 2));
    },
    livePids,
    cleanup: async () => {
      for (let round = 0; round < 20; round++) {
        const pids = livePids();
        if (pids.length === 0) break;
        for (const pid of pids) { try { process.kill(pid, "SIGKILL"); } catch { /* already gone */ } }
        await Bun.sleep(50);
      }
      await model.stop();
      await removeJobCgroups([dbPath]);
      rmSync(root, { recursive: true, force: true });
    },
  };
};

/**
 * Polls `check` until it returns a value, or fails after `timeoutMs` with what it last saw. Between
 * checks it waits 100 ms, or twice what the last check took when that was longer: a check that runs
 * the CLI (a process start, ~0.3 s of CPU) then takes a third of the wait, not all of it — back to
 * back, a suite's waiting tests kept both cores busy starting CLIs and slowed everything else.
 */
export const waitFor = async <T>(what: string, check: () => Promise<T | undefined> | T | undefined, timeoutMs = 30_000): Promise<T> => {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const began = performance.now();
    const value = await check();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await Bun.sleep(Math.min(1000, Math.max(100, 2 * (performance.now() - began))));
  }
};

export { commandOf, isAlive } from "./procs.ts";
