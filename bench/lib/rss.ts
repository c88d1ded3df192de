/**
 * A command's peak RSS, as wait4 reports it, measured from a process that holds next to nothing.
 *
 * Linux keeps a process's RSS high-water mark across exec, and a child made by fork or
 * posix_spawn starts from its parent's: the maxrss of any child of a process that once held
 * 300 MB reads at least ~300 MB, whatever the child used (test/bench/rss.test.ts shows it).
 * The bench's own peak (raised by the history suite writing its 200 MB rollout) was all
 * that suite's "peak memory" measured. Here the command is the child of a fresh Bun that does
 * nothing else; that Bun's own high-water mark is the floor of what can be measured, and is
 * reported with it.
 *
 *   bun bench/lib/rss.ts OUT_FILE COMMAND...   runs COMMAND (stdio passed through) and writes
 *                                              { maxRss, floor } in bytes to OUT_FILE
 */
import { readFileSync, rmSync, writeFileSync } from "node:fs";
import { statusKb } from "./procs.ts";

export interface PeakRss {
  /** The command's peak RSS, bytes. */
  readonly maxRss: number;
  /** The measuring process's own peak: a reading at or below it says only "at most this". */
  readonly floor: number;
}

export const RSS_SCRIPT = import.meta.filename;

/** The argv that runs `argv` under the measurer, writing to `out`. */
export const measured = (out: string, argv: ReadonlyArray<string>): string[] => [process.execPath, RSS_SCRIPT, out, ...argv];

/**
 * This process's own memory high-water mark (VmHWM), bytes: what a child it starts now begins its
 * maxrss from. Not the maxrss this process reports for itself, which it too inherited. Undefined
 * off Linux.
 */
export const ownHighWaterMark = (): number | undefined => statusKb("self", ["VmHWM"])?.VmHWM;

/** What the measurer wrote (and the file removed). */
export const readPeak = (out: string): PeakRss => {
  const peak = JSON.parse(readFileSync(out, "utf8")) as PeakRss;
  rmSync(out, { force: true });
  return peak;
};

if (import.meta.main) {
  const [out, ...argv] = process.argv.slice(2);
  if (!out || argv.length === 0) {
    process.stderr.write("usage: bun bench/lib/rss.ts OUT_FILE COMMAND...\n");
    process.exit(2);
  }
  const floor = ownHighWaterMark() ?? process.memoryUsage().rss;
  const child = Bun.spawn(argv, { stdio: ["inherit", "inherit", "inherit"] });
  const code = await child.exited;
  const peak: PeakRss = { maxRss: child.resourceUsage()?.maxRSS ?? 0, floor };
  writeFileSync(out, JSON.stringify(peak));
  process.exit(code);
}
