#!/usr/bin/env bun
/**
 * Two builds of the CLI on one command, in alternation: wall time from spawn to exit, median,
 * min and p90 of R runs each, and the median CPU time the command used (all its threads; less
 * noisy than wall time on a shared machine), in one sandbox (its own database, config dir and CODEX_HOME; no
 * config file unless --config-json writes one). For a start-up change, against a checkout of
 * the commit before it:
 *
 *   git worktree add /tmp/before HEAD~1 && cp -r node_modules /tmp/before/
 *   bun bench/tools/cli-ab.ts --b /tmp/before/bin/codex-supervisor.ts [--runs 30] [--config-json '{}'] [--ended N] [--read] -- list --json
 *
 * --ended N records N ended jobs in the database first (as the database benchmark does). --read
 * pipes stdout and reads it to the end, as the benchmarks do (without it, stdout is /dev/null).
 * Medians of the CPU time (all threads) and of the peak RSS are printed too.
 *
 * --a defaults to this checkout's launcher. Each build's bundle is made before the clock starts.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { endedJob, seedJobs } from "../lib/db.ts";
import { ownHighWaterMark } from "../lib/rss.ts";
import { summarize } from "../lib/stats.ts";

const args = process.argv.slice(2);
const dash = args.indexOf("--");
const own = dash >= 0 ? args.slice(0, dash) : args;
const command = dash >= 0 ? args.slice(dash + 1) : ["list", "--json"];
const arg = (name: string, fallback?: string) => {
  const at = own.indexOf(`--${name}`);
  return at >= 0 ? own[at + 1] ?? fallback : fallback;
};
// absolute: each build runs with the sandbox as its working directory
const launcherArg = (name: string, fallback?: string) => { const v = arg(name, fallback); return v === undefined ? undefined : resolve(v); };
const builds = { a: launcherArg("a", join(import.meta.dirname, "../../bin/codex-supervisor.ts"))!, b: launcherArg("b") };
if (!builds.b) {
  process.stderr.write("cli-ab: --b LAUNCHER is required (the other build's bin/codex-supervisor.ts)\n");
  process.exit(2);
}
const runs = Number(arg("runs", "30"));

const root = mkdtempSync(join(tmpdir(), "cs-cli-ab-"));
try {
  const env = {
    ...process.env,
    CODEX_SUPERVISOR_DB: join(root, "state", "ab.db"),
    XDG_CONFIG_HOME: join(root, "config"),
    XDG_STATE_HOME: join(root, "state"),
    CODEX_HOME: join(root, "codex"),
  };
  const ended = Number(arg("ended", "0"));
  if (ended > 0) {
    mkdirSync(join(root, "state"), { recursive: true });
    seedJobs(env.CODEX_SUPERVISOR_DB, (function* () { for (let i = 0; i < ended; i++) yield endedJob(i, { cwd: root, codexHome: env.CODEX_HOME }); })());
  }
  const configJson = arg("config-json");
  if (configJson !== undefined) {
    mkdirSync(join(root, "config", "codex-supervisor"), { recursive: true });
    writeFileSync(join(root, "config", "codex-supervisor", "config.json"), configJson);
  }
  // --read: stdout is a pipe read to the end, as the benchmarks read it, and the time runs until
  // both the exit and the last byte; otherwise stdout goes to /dev/null.
  const read = own.includes("--read");
  const runOnce = async (launcher: string) => {
    const t0 = performance.now();
    const p = Bun.spawn([process.execPath, launcher, ...command], { env, cwd: root, stdout: read ? "pipe" : "ignore", stderr: "pipe" });
    const [, stderr, code] = await Promise.all([read ? new Response(p.stdout as ReadableStream).text() : undefined, new Response(p.stderr).text(), p.exited]);
    const ms = performance.now() - t0;
    const usage = p.resourceUsage();
    return { ms, cpuMs: Number(usage?.cpuTime.total ?? Number.NaN) / 1000, rssMb: (usage?.maxRSS ?? Number.NaN) / 1024 / 1024, code, stderr };
  };
  // a first run of each builds its bundle (and creates the database): not timed
  for (const launcher of Object.values(builds)) await runOnce(launcher!);
  const times = { a: [] as number[], b: [] as number[] };
  const cpu = { a: [] as number[], b: [] as number[] };
  const rss = { a: [] as number[], b: [] as number[] };
  const codes = new Set<string>();
  for (let i = 0; i < runs; i++) {
    for (const key of ["a", "b"] as const) {
      const { ms, cpuMs, rssMb, code } = await runOnce(builds[key]!);
      times[key].push(ms);
      cpu[key].push(cpuMs);
      rss[key].push(rssMb);
      codes.add(`${key} exited ${code}`);
    }
  }
  process.stdout.write(`${command.join(" ")}${configJson !== undefined ? ` (config.json ${configJson})` : " (no config file)"}${ended > 0 ? `, ${ended} ended jobs recorded` : ""}: ms from spawn to exit${read ? " and stdout read" : ""}, median (min, p90) of ${runs}; ${[...codes].join(", ")}\n`);
  // a child's maxrss starts from its parent's high-water mark (bench/lib/rss.ts): a reading at or below ours is ours
  const ownMb = (ownHighWaterMark() ?? Number.NaN) / 1024 / 1024;
  if (Number.isFinite(ownMb)) process.stdout.write(`  (a max RSS at or below ${ownMb.toFixed(0)} MB, cli-ab's own peak, is cli-ab's, not the command's)\n`);
  for (const key of ["a", "b"] as const) {
    const s = summarize(times[key]);
    process.stdout.write(`  ${key} ${builds[key]!.padEnd(50)} ${s.median.toFixed(1).padStart(6)} (${s.min.toFixed(1)}, ${s.p90.toFixed(1)}), CPU ${summarize(cpu[key]).median.toFixed(1)} ms, max RSS ${summarize(rss[key]).median.toFixed(0)} MB\n`);
  }
} finally {
  rmSync(root, { recursive: true, force: true });
}
