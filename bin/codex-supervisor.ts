#!/usr/bin/env bun
/**
 * The `codex-supervisor` command: runs the bytecode bundle of the CLI built from these exact
 * sources (bin/bundle.ts), building it first when there is none. Should the build fail, or
 * with CODEX_SUPERVISOR_FROM_SOURCE=1, it runs the TypeScript sources directly: slower to
 * start, same behaviour.
 *
 *   bun bin/codex-supervisor.ts --build   build the bundle now and print its path
 */
import { buildBundle, builtBundle, fingerprint, SOURCE_ENTRY } from "./bundle.ts";

type Main = (argv: ReadonlyArray<string>) => Promise<number>;

const argv = process.argv.slice(2);

// The watchdog runs all day and runs a little code every few seconds. Three of Bun's defaults
// are made for the opposite, and are turned off for `watch` (a value set by the user stands):
//  - BUN_GC_TIMER_DISABLE=1: Bun's idle-GC timer wakes the process every second to consider a
//    collection. In a one-off experiment with the quiet tick made a no-op (not kept in the repo),
//    an idle `watch` with 20 jobs used 3.0 CPU s/h with the timer and 0.6 without; with real
//    ticks the difference was within the noise of single 60 s windows. JSC's own allocation-
//    and activity-driven collections still run.
//  - BUN_JSC_useDFGJIT=0: JSC's optimizing tiers (DFG, and FTL above it) recompile hot code on
//    background threads. For a tick every 5 s that buys nothing: the baseline JIT stays on, and
//    the compiler threads' CPU and the compiler code they page in go away. Compare with
//    `bun bench/tools/trace-watch.ts`, which prints CPU by thread and RSS, with
//    BUN_JSC_useDFGJIT=1 or BUN_GC_TIMER_DISABLE=0 in its environment.
//  - BUN_JSC_useConcurrentJIT=0: the baseline JIT compiles on the main thread, not on JITWorker
//    threads. A worker is started for a compile and exits when idle, so a tick every 5 s started
//    5-10 threads in 88 s (a clone, a stack, an exit each). 20 jobs, 1,000 other
//    processes, `bun bench/tools/watch-variants.ts --variant 'x=BUN_JSC_useConcurrentJIT=0'`, two
//    rounds of 88 s: 6.1 and 2.9 CPU s/h as before against 1.6 and 2.1, no thread started.
// Bun reads them when it starts, so `watch` re-executes itself with them set: same PID, once, ~20 ms.
const WATCH_ENV: Readonly<Record<string, string>> = { BUN_GC_TIMER_DISABLE: "1", BUN_JSC_useDFGJIT: "0", BUN_JSC_useConcurrentJIT: "0" };
// `top` redraws every second all the while it is open: the same holds for it.
if ((argv[0] === "watch" || argv[0] === "top") && Object.keys(WATCH_ENV).some((k) => process.env[k] === undefined) && typeof process.execve === "function") {
  process.execve(process.execPath, [process.execPath, ...process.execArgv, ...process.argv.slice(1)], { ...WATCH_ENV, ...process.env });
}

const bundled = async (): Promise<string | undefined> => {
  if (process.env.CODEX_SUPERVISOR_FROM_SOURCE === "1") return undefined;
  const fp = fingerprint();
  const built = builtBundle(fp);
  if (built) return built;
  try {
    return await buildBundle(fp);
  } catch (e) {
    process.stderr.write(`codex-supervisor: could not build the CLI bundle, running from source: ${(e as Error).message}\n`);
    return undefined;
  }
};

/**
 * An error nothing expected: its message and stack, exit 1. Left to Bun, an uncaught error prints
 * the lines of the bundle around it — whole minified modules of source on the user's terminal.
 */
const crash = (e: unknown): never => {
  const text = e instanceof Error ? (e.stack ?? `${e.name}: ${e.message}`) : String(e);
  const safe = text.replace(/[\x00-\x08\x0b-\x1f\x7f-\x9f]/g, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, "0")}`);
  process.stderr.write(`codex-supervisor: unexpected error (a bug here, in a config file or in a plugin):\n${safe}\n`);
  process.exit(1);
};
process.on("uncaughtException", crash);
process.on("unhandledRejection", crash);

try {
  if (argv[0] === "--build") {
    const path = await buildBundle();
    process.stdout.write(`${path}\n`);
  } else {
    const path = await bundled();
    const { main } = (path ? require(path) : await import(SOURCE_ENTRY)) as { main: Main };
    process.exitCode = await main(argv);
  }
} catch (e) {
  crash(e);
}
