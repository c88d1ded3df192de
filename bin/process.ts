/**
 * What both ways of running the CLI do first: the launcher (bin/codex-supervisor.ts, Bun and the
 * bundle) and the standalone binary (bin/binary.ts). Nothing here may import more than node builtins.
 */

// The watchdog runs all day and runs a little code every few seconds. Three of Bun's defaults
// are made for the opposite, and are turned off for `watch` (a value set by the user stands):
//  - BUN_GC_TIMER_DISABLE=1: Bun's idle-GC timer wakes the process every second to consider a
//    collection: most of an idle `watch`'s CPU (BENCHMARKS.md, "Measurements behind the code"). JSC's own allocation-
//    and activity-driven collections still run.
//  - BUN_JSC_useDFGJIT=0: JSC's optimizing tiers (DFG, and FTL above it) recompile hot code on
//    background threads. For a tick every 5 s that buys nothing: the baseline JIT stays on, and
//    the compiler threads' CPU and the compiler code they page in go away. Compare with
//    `bun bench/tools/trace-watch.ts`, which prints CPU by thread and RSS, with
//    BUN_JSC_useDFGJIT=1 or BUN_GC_TIMER_DISABLE=0 in its environment.
//  - BUN_JSC_useConcurrentJIT=0: the baseline JIT compiles on the main thread, not on JITWorker
//    threads. A worker is started for a compile and exits when idle, so a tick every few seconds
//    started and ended threads (a clone, a stack, an exit each): `bun bench/tools/watch-variants.ts
//    --variant 'x=BUN_JSC_useConcurrentJIT=0'` (BENCHMARKS.md, "Measurements behind the code").
// Bun reads them when it starts, so `watch` re-executes itself with them set: same PID, once.
const WATCH_ENV: Readonly<Record<string, string>> = { BUN_GC_TIMER_DISABLE: "1", BUN_JSC_useDFGJIT: "0", BUN_JSC_useConcurrentJIT: "0" };

/** `watch` without the watchdog's runtime settings: run `execArgv` (this same command) again with them. */
export const reexecForWatch = (argv: ReadonlyArray<string>, execArgv: ReadonlyArray<string>): void => {
  // `top` redraws every second all the while it is open: the same holds for it.
  if ((argv[0] === "watch" || argv[0] === "top") && Object.keys(WATCH_ENV).some((k) => process.env[k] === undefined) && typeof process.execve === "function") {
    process.execve(process.execPath, [...execArgv], { ...WATCH_ENV, ...process.env });
  }
};

/**
 * An error nothing expected: its message and stack, exit 1. Left to Bun, an uncaught error prints
 * the lines of the bundle around it — whole minified modules of source on the user's terminal.
 */
export const crash = (e: unknown): never => {
  const text = e instanceof Error ? (e.stack ?? `${e.name}: ${e.message}`) : String(e);
  const safe = text.replace(/[\x00-\x08\x0b-\x1f\x7f-\x9f]/g, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, "0")}`);
  process.stderr.write(`codex-supervisor: unexpected error (a bug here, in a config file or in a plugin):\n${safe}\n`);
  process.exit(1);
};

export const crashOnUncaught = (): void => {
  process.on("uncaughtException", crash);
  process.on("unhandledRejection", crash);
};
