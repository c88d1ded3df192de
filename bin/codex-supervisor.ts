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

// The watchdog runs all day and allocates little. Bun's own idle-GC timer wakes it every second
// to consider a collection. In a one-off experiment with the quiet tick made a no-op (not kept in
// the repo), an idle `watch` with 20 jobs used 3.0 CPU s/h with the timer and 0.6 without; with
// real ticks the difference was within the noise of single 60 s windows (compare with
// BUN_GC_TIMER_DISABLE=0 bun bench/tools/trace-watch.ts). JSC's own allocation- and
// activity-driven collections still run. Bun reads the variable when it starts,
// so `watch` re-executes itself with it set: same PID, once, ~20 ms. A value set by the user stands.
if (argv[0] === "watch" && process.env.BUN_GC_TIMER_DISABLE === undefined && typeof process.execve === "function") {
  process.execve(process.execPath, [process.execPath, ...process.execArgv, ...process.argv.slice(1)], { ...process.env, BUN_GC_TIMER_DISABLE: "1" });
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

if (argv[0] === "--build") {
  const path = await buildBundle();
  process.stdout.write(`${path}\n`);
} else {
  const path = await bundled();
  const { main } = (path ? require(path) : await import(SOURCE_ENTRY)) as { main: Main };
  process.exitCode = await main(argv);
}
