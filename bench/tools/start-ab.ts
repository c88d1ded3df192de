#!/usr/bin/env bun
/**
 * `start` of two builds in alternation, on the bench's Codex-shaped fake job (bench/lib/fakeCodex.ts):
 * wall time from spawn to exit, median, min and p90 of R runs each; each job is ended after its sample.
 * For a change to the launch path, against a checkout of the commit before it:
 *
 *   git worktree add /tmp/before HEAD~1 && ln -s "$PWD/node_modules" /tmp/before/
 *   bun bench/tools/start-ab.ts --b /tmp/before/bin/codex-supervisor.ts [--runs 20]
 */
import { resolve } from "node:path";
import { createContext, ok } from "../lib/context.ts";
import { reapJob } from "../lib/jobs.ts";
import { summarize } from "../lib/stats.ts";

const args = process.argv.slice(2);
const arg = (name: string, fallback?: string) => {
  const at = args.indexOf(`--${name}`);
  return at >= 0 ? args[at + 1] ?? fallback : fallback;
};
const b = arg("b");
if (!b) {
  process.stderr.write("start-ab: --b LAUNCHER is required (the other build's bin/codex-supervisor.ts)\n");
  process.exit(2);
}
const builds = { a: resolve(import.meta.dirname, "../../bin/codex-supervisor.ts"), b: resolve(b) };
const runs = Number(arg("runs", "20"));
const ctx = createContext({ quick: true });
try {
  const cwd = ctx.dir("project");
  const start = async (launcher: string) => {
    const t = ok("start", await ctx.run([process.execPath, launcher, "start", "--json", "--no-venv", "--cwd", cwd, "-"], { stdin: "benchmark job" }));
    await reapJob((JSON.parse(t.stdout) as { jobId: string }).jobId);
    return t.ms;
  };
  // each build's bundle made (and its first run paid) before the clock starts
  for (const launcher of Object.values(builds)) await start(launcher);
  const ms: Record<"a" | "b", number[]> = { a: [], b: [] };
  for (let i = 0; i < runs; i++) {
    const order: ReadonlyArray<"a" | "b"> = i % 2 === 0 ? ["a", "b"] : ["b", "a"];
    for (const key of order) ms[key].push(await start(builds[key]));
  }
  for (const key of ["a", "b"] as const) {
    const s = summarize(ms[key]);
    process.stdout.write(`${key} ${builds[key]}: median ${s.median.toFixed(0)} ms (min ${s.min.toFixed(0)}, p90 ${s.p90.toFixed(0)}, n=${s.n})\n`);
  }
} finally {
  await ctx.cleanup();
}
