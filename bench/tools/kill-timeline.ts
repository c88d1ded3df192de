#!/usr/bin/env bun
/**
 * Where a kill's time goes: N kills of a Codex-shaped tree through the CLI with `kill --trace`,
 * each timed like the kill benchmark (from the command's spawn to the last process gone), and
 * the median (min–max) of the ms since the command started at which each phase ended.
 *
 *   bun bench/tools/kill-timeline.ts [--size 50] [--kills 10] [--grace 1000] [--cooperative]
 */
import { join } from "node:path";
import { createContext } from "../lib/context.ts";
import { prepare, timeKill } from "../suites/kill.ts";

const arg = (name: string, fallback: string) => {
  const at = process.argv.indexOf(`--${name}`);
  return at >= 0 ? process.argv[at + 1] ?? fallback : fallback;
};
const size = Number(arg("size", "50"));
const kills = Number(arg("kills", "10"));
const graceMs = Number(arg("grace", "1000"));
const stubborn = !process.argv.includes("--cooperative");

const ctx = createContext({ quick: false });
try {
  const env = { CODEX_SUPERVISOR_DB: join(ctx.root, "state", "kill.db") };
  const gone: number[] = [];
  // phase (its text up to the first colon) → the ms at which it ended, one per kill; a phase met twice
  // (past the deadline, once for the rest and once for the roots) is numbered
  const phases = new Map<string, number[]>();
  for (let i = 0; i < kills; i++) {
    // as the kill benchmark does it: it throws if the tree outlives the kill or the command fails
    const { ms, done } = await timeKill(ctx, env, await prepare(ctx, env, { size, stubborn, name: "timeline" }), "supervisor", graceMs, ["--trace"]);
    gone.push(ms);
    const seen = new Map<string, number>();
    for (const line of done.stderr.split("\n")) {
      const m = /^kill \+(\d+)ms ([^:(]*)/.exec(line);
      if (!m) continue;
      const name = m[2]!.trim();
      const n = (seen.get(name) ?? 0) + 1;
      seen.set(name, n);
      const key = n === 1 ? name : `${name} (${n})`;
      phases.set(key, [...(phases.get(key) ?? []), Number(m[1])]);
    }
  }
  const summary = (xs: ReadonlyArray<number>) => {
    const s = [...xs].sort((a, b) => a - b);
    return `${s[Math.floor(s.length / 2)]!.toFixed(0).padStart(5)} (${s[0]!.toFixed(0)}–${s.at(-1)!.toFixed(0)})`;
  };
  process.stdout.write(`${kills} kills of ${size} processes, ${stubborn ? `ignoring SIGTERM, grace ${graceMs} ms` : "cooperative"}; ms since the command started, median (min–max):\n`);
  for (const [name, xs] of phases) process.stdout.write(`  ${name.padEnd(44)} ${summary(xs)}${xs.length < kills ? `  (in ${xs.length} of ${kills})` : ""}\n`);
  process.stdout.write(`  ${"tree gone, from the command's spawn".padEnd(44)} ${summary(gone)}\n`);
} finally {
  await ctx.cleanup();
}
