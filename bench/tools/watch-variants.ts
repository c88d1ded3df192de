#!/usr/bin/env bun
/**
 * An idle `watch` under several environments, in alternation over one fleet: for each variant
 * and round, the process's CPU over the window (s/h, after a 12 s start-up excluded; to the
 * nanosecond from a cgroup of its own where one can be made, see cpuMeter), how many
 * threads it started during the window (thread churn: each costs a clone and an exit), and RSS.
 *
 *   bun bench/tools/watch-variants.ts [--jobs 20] [--others 1000] [--seconds 130] [--rounds 2] \
 *     [--variant NAME=K=V,K=V]…  (default: "as shipped" against none other)
 *
 * Variants add to the launcher's own environment for `watch` (see bin/codex-supervisor.ts), e.g.
 *   --variant 'no-jit-threads=BUN_JSC_useConcurrentJIT=0'
 * except METRICS (prometheus: `metrics.listen` on, /metrics scraped once before the window and then every
 * minute, or every SCRAPE ms; otlp: `metrics.otlp` pushing to a loopback collector at the default interval,
 * or every PUSH, e.g. PUSH=15s; textfile: `metrics.textfile` written at its default interval, or every PUSH),
 * which turns the watchdog's metrics on in its config, e.g.
 *   --variant 'prometheus=METRICS=prometheus' --variant 'otlp=METRICS=otlp'
 * and CLI, which names another command to run instead: two builds over one fleet, e.g.
 *   git worktree add /tmp/before HEAD~1 && cp -r node_modules /tmp/before/ &&
 *   bun bench/tools/watch-variants.ts --variant 'before=CLI=/tmp/before/bin/codex-supervisor.ts'
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { CLI, createContext } from "../lib/context.ts";
import { jobFleet } from "../lib/jobs.ts";
import { cpuMeter, memoryOf, threadIds, threadNames } from "../lib/procs.ts";
import { startScraper } from "../lib/scraper.ts";
import { spawnSleepers } from "../lib/sleepers.ts";
import { summarize } from "../lib/stats.ts";
import { EVERYDAY_POLICIES } from "../suites/watchdog.ts";

const args = process.argv.slice(2);
const arg = (name: string, fallback: string) => {
  const at = args.indexOf(`--${name}`);
  return at >= 0 ? args[at + 1] ?? fallback : fallback;
};
const variants: Array<{ name: string; env: Record<string, string> }> = [{ name: "as shipped", env: {} }];
args.forEach((a, i) => {
  if (a !== "--variant") return;
  const [name, ...pairs] = (args[i + 1] ?? "").split("=");
  const env = Object.fromEntries(pairs.join("=").split(",").filter(Boolean).map((kv) => kv.split("=") as [string, string]));
  variants.push({ name: name ?? `variant ${i}`, env });
});
const jobs = Number(arg("jobs", "20"));
const seconds = Math.max(30, Number(arg("seconds", "130")));
const rounds = Number(arg("rounds", "2"));

const tids = (pid: number): string[] => threadIds(pid) ?? [];
/** On-CPU ns of each live thread of `pid` (schedstat), by thread id. */
const threadCpu = (pid: number): Map<string, number> => {
  const out = new Map<string, number>();
  for (const tid of tids(pid)) {
    try { out.set(tid, Number(readFileSync(`/proc/${pid}/task/${tid}/schedstat`, "latin1").split(" ")[0])); } catch {} // ended meanwhile
  }
  return out;
};
/** Where a window's CPU went by thread name, ms (threads that ended in the window are not in it). */
const byThread = (pid: number, before: Map<string, number>): string => {
  const names = threadNames(pid);
  const spent = new Map<string, number>();
  for (const [tid, ns] of threadCpu(pid)) {
    const name = names.get(tid) ?? tid;
    spent.set(name, (spent.get(name) ?? 0) + (ns - (before.get(tid) ?? 0)) / 1e6);
  }
  return [...spent].filter(([, ms]) => ms >= 0.5).sort((a, b) => b[1] - a[1]).map(([name, ms]) => `${name} ${ms.toFixed(1)}`).join(", ");
};

const ctx = createContext({ quick: false });
// what an OTLP collector is to the watchdog (variant METRICS=otlp): it answers, and keeps nothing
const collector = Bun.serve({ hostname: "127.0.0.1", port: 0, fetch: async (req) => { await req.arrayBuffer(); return new Response("{}"); } });
const freePort = () => {
  const probe = Bun.serve({ hostname: "127.0.0.1", port: 0, fetch: () => new Response() });
  const port = probe.port!;
  void probe.stop(true);
  return port;
};
// stopped early (Ctrl-C, SIGTERM): end the fleet, the sleepers and the running watch, as `bun run bench` does
let meter: ReturnType<typeof cpuMeter> | undefined;
const stop = () => {
  meter?.close(); // first, while the watch still lives to be moved out of its cgroup
  void ctx.cleanup().finally(() => process.exit(130));
};
process.once("SIGINT", stop);
process.once("SIGTERM", stop);
try {
  ctx.writeConfig({ policies: EVERYDAY_POLICIES });
  const stopSleepers = await spawnSleepers(ctx, Number(arg("others", "1000")));
  const env = { ...ctx.env, CODEX_SUPERVISOR_DB: join(ctx.root, "state", "fleet.db") };
  await jobFleet(ctx, env).grow(jobs);
  const results = new Map<string, Array<{ sph: number; threads: number; rssMb: number }>>();
  for (let round = 0; round < rounds; round++) {
    for (const v of variants) {
      const { CLI: cli = CLI, METRICS: metrics, SCRAPE: scrapeMs = "60000", PUSH: push, ...extra } = v.env;
      const metricsPort = metrics === "prometheus" ? freePort() : undefined;
      ctx.writeConfig({
        policies: EVERYDAY_POLICIES,
        ...(metrics === "prometheus" ? { metrics: { listen: `127.0.0.1:${metricsPort}` } } : {}),
        ...(metrics === "otlp" ? { metrics: { otlp: `http://127.0.0.1:${collector.port}`, ...(push ? { otlpInterval: push } : {}) } } : {}),
        ...(metrics === "textfile" ? { metrics: { textfile: join(ctx.root, "state", "codex-supervisor.prom"), ...(push ? { textfileInterval: push } : {}) } } : {}),
      });
      const stopScraping = metricsPort === undefined ? () => {} : startScraper(metricsPort, Number(scrapeMs));
      const watch = Bun.spawn([process.execPath, cli, "watch", "--cwd", ctx.root], { env: { ...process.env, ...env, ...extra }, stderr: "ignore", stdout: "ignore" });
      await Bun.sleep(12_000);
      meter = cpuMeter(watch.pid);
      const threadsAtStart = threadCpu(watch.pid);
      const seen = new Set(tids(watch.pid));
      const before = seen.size;
      const end = Date.now() + (seconds - 12) * 1000;
      const rss: number[] = [];
      while (Date.now() < end) {
        for (const t of tids(watch.pid)) seen.add(t);
        rss.push((memoryOf(watch.pid)?.rss ?? Number.NaN) / 1024 / 1024);
        await Bun.sleep(250);
      }
      const used = meter.read().ms;
      const threadSplit = byThread(watch.pid, threadsAtStart);
      meter.close();
      meter = undefined;
      const rssMb = summarize(rss).median;
      stopScraping();
      watch.kill("SIGTERM");
      await watch.exited;
      const row = { sph: used / 1000 / ((seconds - 12) / 3600), threads: seen.size - before, rssMb };
      results.set(v.name, [...(results.get(v.name) ?? []), row]);
      process.stdout.write(`round ${round + 1} ${v.name.padEnd(24)} ${row.sph.toFixed(2)} CPU s/h, ${row.threads} threads started (at least), RSS ${row.rssMb.toFixed(1)} MB (median of 4 a second); ms by thread: ${threadSplit}\n`);
    }
  }
  process.stdout.write(`\n${jobs} jobs, ${seconds - 12} s windows, median of ${rounds}:\n`);
  for (const [name, rows] of results) {
    process.stdout.write(`${name.padEnd(24)} ${summarize(rows.map((r) => r.sph)).median.toFixed(2)} s/h, ${summarize(rows.map((r) => r.threads)).median} threads, ${summarize(rows.map((r) => r.rssMb)).median.toFixed(1)} MB\n`);
  }
  stopSleepers();
} finally {
  void collector.stop(true);
  await ctx.cleanup();
}
