#!/usr/bin/env bun
/**
 * The benchmark suite: codex-supervisor against PM2 and the physical floor.
 *
 *   bun run bench                 every benchmark, full size (tens of minutes; take it on a quiet machine)
 *   bun run bench --quick         a smoke run: every benchmark, tiny sizes, well under a minute
 *   bun run bench --only status,kill   some of them
 *   bun run bench --no-pm2        skip the PM2 comparisons (no npm install)
 *
 * Prints a table per benchmark and writes bench/results/<time>-<mode>.json;
 * `bun bench/report.ts` renders BENCHMARKS.md's tables from those files.
 */
import { execFileSync } from "node:child_process";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { cpus, hostname, loadavg, release, totalmem, type } from "node:os";
import { join } from "node:path";
import { buildBundle, builtBundle } from "../bin/bundle.ts";
import { createContext, REPO, sweepAbandonedRuns } from "./lib/context.ts";
import { jobFleet } from "./lib/jobs.ts";
import { type Pm2, PM2_VERSION, setupPm2 } from "./lib/pm2.ts";
import { allPids } from "./lib/procs.ts";
import type { Machine, RunResult, SuiteResult } from "./lib/results.ts";
import type { Suite, SuiteEnv } from "./lib/suite.ts";
import { printSuite } from "./lib/table.ts";
import { SUITES } from "./suites/index.ts";

interface Flags {
  readonly quick: boolean;
  readonly pm2: boolean;
  readonly only: ReadonlyArray<string> | undefined;
  readonly out: string | undefined;
  readonly options: Record<string, string>;
}

const USAGE = "usage: bun run bench [--quick] [--only ID,ID] [--no-pm2] [--out FILE] [--watch-window SECONDS] [--watch-interval DURATION]";

export const parseFlags = (argv: ReadonlyArray<string>): Flags => {
  let quick = false, pm2 = true;
  let only: string[] | undefined, out: string | undefined;
  const options: Record<string, string> = {};
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === "--quick") quick = true;
    else if (a === "--no-pm2") pm2 = false;
    else if (a === "--only") only = (argv[++i] ?? "").split(",").filter(Boolean);
    else if (a === "--out") out = argv[++i];
    else if (a === "--watch-window") options.watchWindow = argv[++i] ?? "";
    else if (a === "--watch-interval") options.watchInterval = argv[++i] ?? "";
    else if (a === "--help" || a === "-h") { process.stdout.write(`${USAGE}\nbenchmarks: ${SUITES.map((s) => s.id).join(", ")}\n`); process.exit(0); }
    else throw new Error(`unknown argument ${a}\n${USAGE}`);
  }
  const unknown = (only ?? []).filter((id) => !SUITES.some((s) => s.id === id));
  if (unknown.length > 0) throw new Error(`unknown benchmark ${unknown.join(", ")}; there are ${SUITES.map((s) => s.id).join(", ")}`);
  return { quick, pm2, only, out, options };
};

const sh = (cmd: string, args: ReadonlyArray<string>, env?: Record<string, string>): string => {
  try { return execFileSync(cmd, [...args], { encoding: "utf8", env, stdio: ["ignore", "pipe", "ignore"] }).trim(); } catch { return "unknown"; }
};

const machine = (env: Record<string, string>, pm2: boolean, loadavgStart: number[]): Machine => {
  let codex: string | null = null;
  try { codex = (JSON.parse(readFileSync(join(REPO, "node_modules/@openai/codex/package.json"), "utf8")) as { version: string }).version; } catch { /* not installed */ }
  const os = sh("sh", ["-c", ". /etc/os-release 2>/dev/null && echo \"$PRETTY_NAME\""]);
  return {
    host: hostname(),
    os: os === "unknown" || os === "" ? type() : os,
    kernel: `${type()} ${release()}`,
    cpu: cpus()[0]?.model ?? "unknown",
    cores: cpus().length,
    memoryGb: Math.round((totalmem() / 2 ** 30) * 10) / 10,
    bun: Bun.version,
    node: sh("node", ["--version"], env),
    pm2: pm2 ? PM2_VERSION : null,
    codex,
    commit: sh("git", ["-C", REPO, "rev-parse", "--short", "HEAD"]) + (sh("git", ["-C", REPO, "status", "--porcelain", "--untracked-files=no"]) ? "+dirty" : ""),
    processes: allPids().length,
    loadavgStart,
    loadavgEnd: loadavg().map((l) => Math.round(l * 100) / 100),
  };
};

export const runBench = async (argv: ReadonlyArray<string>): Promise<{ result: RunResult; file: string; failed: number }> => {
  const flags = parseFlags(argv);
  const started = new Date();
  const loadavgStart = loadavg().map((l) => Math.round(l * 100) / 100);
  const swept = await sweepAbandonedRuns();
  const ctx = createContext({ quick: flags.quick });
  const log = (line: string) => process.stderr.write(`bench: ${line}\n`);
  // The CLI runs from a bundle built on first use (bin/bundle.ts): built here, no sample pays for it.
  if (!process.env.CODEX_SUPERVISOR_BENCH_CLI && !builtBundle()) log(`built the CLI bundle: ${await buildBundle()}`);
  if (swept > 0) log(`ended ${swept} process(es) an earlier, interrupted run left behind`);
  const stop = (signal: NodeJS.Signals) => {
    log(`${signal}: cleaning up`);
    void ctx.cleanup().finally(() => process.exit(130));
  };
  process.once("SIGINT", stop);
  process.once("SIGTERM", stop);
  const suites: SuiteResult[] = [];
  try {
    let pm2: Promise<Pm2> | undefined;
    const fleetEnv = { CODEX_SUPERVISOR_DB: join(ctx.root, "state", "fleet.db") };
    const env: SuiteEnv = {
      ctx,
      quick: flags.quick,
      pm2: () => (flags.pm2 ? (pm2 ??= setupPm2(ctx)) : Promise.resolve(undefined)),
      fleet: jobFleet(ctx, fleetEnv),
      fleetEnv,
      options: flags.options,
      log,
    };
    const chosen: Suite[] = SUITES.filter((s) => !flags.only || flags.only.includes(s.id));
    for (const suite of chosen) {
      log(`${suite.title} …`);
      const t0 = performance.now();
      const out = { rows: [], notes: [] } as { rows: SuiteResult["rows"][number][]; notes: string[] };
      let error: string | undefined;
      try {
        await suite.run(env, out);
      } catch (e) {
        error = e instanceof Error ? `${e.message}` : String(e);
      }
      const result: SuiteResult = { id: suite.id, title: suite.title, method: suite.method, rows: out.rows, notes: out.notes, elapsedMs: Math.round(performance.now() - t0), ...(error ? { error } : {}) };
      suites.push(result);
      process.stdout.write(`${printSuite(result)}\n`);
    }
    await env.fleet.teardown();
  } finally {
    await ctx.cleanup();
    process.off("SIGINT", stop);
    process.off("SIGTERM", stop);
  }
  const result: RunResult = {
    schema: 1,
    mode: flags.quick ? "quick" : "full",
    command: `bun run bench${argv.length > 0 ? ` ${argv.join(" ")}` : ""}`,
    startedAt: started.toISOString(),
    finishedAt: new Date().toISOString(),
    machine: machine(ctx.env, flags.pm2, loadavgStart),
    suites,
  };
  const dir = join(REPO, "bench", "results");
  mkdirSync(dir, { recursive: true });
  const file = flags.out ?? join(dir, `${started.toISOString().replace(/[:.]/g, "-")}-${result.mode}.json`);
  writeFileSync(file, `${JSON.stringify(result, null, 2)}\n`);
  const failed = suites.filter((s) => s.error !== undefined || s.rows.length === 0).length;
  process.stdout.write(`\nresults: ${file}${failed > 0 ? `\n${failed} benchmark(s) failed` : ""}\n`);
  return { result, file, failed };
};

if (import.meta.main) {
  try {
    const { failed } = await runBench(process.argv.slice(2));
    process.exitCode = failed > 0 ? 1 : 0;
  } catch (e) {
    process.stderr.write(`bench: ${e instanceof Error ? e.message : String(e)}\n`);
    process.exitCode = 2;
  }
}
