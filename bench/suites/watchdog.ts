import { readFileSync } from "node:fs";
import { join } from "node:path";
import { parseDuration } from "../../src/core/duration.ts";
import { CLI } from "../lib/context.ts";
import { cpuMeter, memoryOf, treePids } from "../lib/procs.ts";
import { startScraper } from "../lib/scraper.ts";
import { spawnSleepers } from "../lib/sleepers.ts";
import { floorPerHour, type StatReads } from "../lib/statReads.ts";
import { ratio, type Summary, summarize } from "../lib/stats.ts";
import type { Suite, SuiteEnv, SuiteOutput } from "../lib/suite.ts";

/** Policies a user would plausibly run all day; none fires during the measurement. */
// Judged every tick, firing never: a window measures the steady state, and firings have their own suite.
// The fleet's jobs are idle by construction (a real job's history moves), so a "stuck" limit of 15 m fired
// for every job of a fleet older than that, in the later windows of a run: notify's processes in the
// window (likely what one window showed as threads started and 60 MB of RSS, and the 225 ms minute at 100
// jobs: BENCHMARKS.md).
export const EVERYDAY_POLICIES = [
  { name: "max-runtime", when: { runtimeOver: "12h" }, do: ["kill"] },
  { name: "stuck", when: { idleFor: "6h" }, do: ["notify"] },
  { name: "memory", when: { rssOver: "8GB" }, do: ["notify"] },
  { name: "orphans", match: { tracked: "either" }, when: { orphaned: true, runtimeOver: "10m" }, do: ["notify"] },
];

/** How often PM2 7's daemon looks at its processes (WORKER_INTERVAL in its constants.js). */
const PM2_CADENCE = "30s";
/** The JSC settings `watch` runs under (bin/codex-supervisor.ts sets them for it): the floor reads under them too. */
const WATCH_JSC = { BUN_GC_TIMER_DISABLE: "1", BUN_JSC_useDFGJIT: "0", BUN_JSC_useConcurrentJIT: "0" };
const MB = 1024 * 1024;

interface Window {
  /** Contender → CPU seconds per hour over the window. */
  readonly cpu: Record<string, number>;
  readonly rss: Record<string, number[]>;
  readonly anon: Record<string, number[]>;
}

/**
 * How metrics leave the watchdog in a window: off, scraped (Prometheus, every minute: its default
 * scrape_interval and the fleet recipe's) or pushed (OTLP at the config's default, every minute).
 */
type MetricsMode = "off" | "prometheus" | "otlp";
const SCRAPE_EVERY_MS = 60_000;

const freePort = (): number => {
  const probe = Bun.serve({ hostname: "127.0.0.1", port: 0, fetch: () => new Response() });
  const port = probe.port!;
  void probe.stop(true);
  return port;
};

/**
 * What metrics need around the watchdog: the config that turns them on, and a Prometheus that
 * scrapes /metrics every minute or a collector that takes the OTLP pushes (and keeps nothing).
 */
const metricsLoad = (mode: MetricsMode) => {
  if (mode === "off") return { config: {}, start: () => {}, stop: () => {} };
  if (mode === "prometheus") {
    const port = freePort();
    let stopScraping = () => {};
    return {
      config: { metrics: { listen: `127.0.0.1:${port}` } },
      start: () => { stopScraping = startScraper(port, SCRAPE_EVERY_MS); },
      stop: () => stopScraping(),
    };
  }
  const collector = Bun.serve({ hostname: "127.0.0.1", port: 0, fetch: async (req) => { await req.arrayBuffer(); return new Response("{}"); } });
  return { config: { metrics: { otlp: `http://127.0.0.1:${collector.port}` } }, start: () => {}, stop: () => { void collector.stop(true); } };
};

/**
 * One measurement window: `watch` at `interval` over the fleet as it is, PM2's daemon beside it,
 * with `floor` the bare reads of every job's processes at the same interval, and with `metrics`
 * its metrics on, scraped or pushed every minute.
 */
const measureWindow = async (
  { ctx, quick, fleet, fleetEnv }: SuiteEnv, out: SuiteOutput,
  at: {
    readonly label: string; readonly interval: string; readonly windowS: number; readonly pm2Pid: number | undefined; readonly floor: boolean;
    readonly metrics?: MetricsMode;
  },
): Promise<Window> => {
  const intervalMs = parseDuration(at.interval) ?? 5000;
  const metrics = metricsLoad(at.metrics ?? "off");
  ctx.writeConfig({ watchdog: { interval: at.interval }, policies: EVERYDAY_POLICIES, ...metrics.config });
  const watch = ctx.spawn([process.execPath, CLI, "watch", "--cwd", ctx.root], { env: fleetEnv });
  metrics.start();
  // CPU over the window, one meter per daemon; closed whatever happens, so no cgroup is left behind
  let meters: Record<string, ReturnType<typeof cpuMeter>> = {};
  try {
    await Bun.sleep(quick ? 2000 : intervalMs * 2 + 1000); // start-up and the first ticks are not the steady state
    if (watch.exitCode !== null) throw new Error(`watch exited ${watch.exitCode}: ${await new Response(watch.stderr).text()}`);
    const pids: Record<string, number> = { watch: watch.pid, ...(at.pm2Pid ? { pm2: at.pm2Pid } : {}) };
    const rss: Record<string, number[]> = Object.fromEntries(Object.keys(pids).map((k) => [k, []]));
    const anon: Record<string, number[]> = Object.fromEntries(Object.keys(pids).map((k) => [k, []]));
    const floorFile = join(ctx.root, `floor-${at.label.replace(/\W+/g, "-")}.json`);
    const floor = at.floor
      ? ctx.spawn([process.execPath, join(import.meta.dirname, "../lib/statReads.ts"), String(intervalMs), String(at.windowS), floorFile,
        ...fleet.jobs.flatMap((j) => treePids(j.pid)).map(String)], { env: WATCH_JSC })
      : undefined;
    meters = Object.fromEntries(Object.entries(pids).map(([k, pid]) => [k, cpuMeter(pid)]));
    const t0 = performance.now();
    // each daemon's CPU so far at the start of each minute, to show whether it came in bursts
    const byMinute: Record<string, number[]> = Object.fromEntries(Object.keys(pids).map((k) => [k, [0]]));
    while (performance.now() - t0 < at.windowS * 1000) {
      const minute = Math.floor((performance.now() - t0) / 60_000);
      for (const [k, meter] of Object.entries(meters)) if (byMinute[k]!.length <= minute) byMinute[k]!.push(meter.read().ms);
      for (const [k, pid] of Object.entries(pids)) {
        const m = memoryOf(pid);
        rss[k]!.push((m?.rss ?? Number.NaN) / MB);
        anon[k]!.push((m?.anon ?? Number.NaN) / MB);
      }
      await Bun.sleep(Math.min(1000, at.windowS * 1000 - (performance.now() - t0)));
    }
    const hours = (performance.now() - t0) / 3_600_000;
    const used = Object.fromEntries(Object.entries(meters).map(([k, meter]) => [k, meter.read()]));
    // Where each daemon's CPU went, so a reading far from the usual can be told apart: its own
    // threads, children it forked and reaped, or children still alive in its cgroup.
    for (const [k, meter] of Object.entries(meters)) {
      const { ownMs, reapedChildrenMs, others } = meter.split();
      const perHour = (ms: number) => (ms / 1000 / hours).toFixed(2);
      const marks = [...byMinute[k]!, used[k]!.ms];
      const minutes = marks.slice(1).map((m, i) => (m - marks[i]!).toFixed(0)).join(" / ");
      out.notes.push(
        `${at.label}, ${k}: ${perHour(used[k]!.ms)} CPU s/h in all (ms by minute: ${minutes}); its own threads ${perHour(ownMs)}, children it reaped ${perHour(reapedChildrenMs)} (10 ms ticks)` +
          (others.length > 0 ? `; ${others.length} other processes in its cgroup at the end (${others.slice(0, 5).join(", ")}${others.length > 5 ? ", …" : ""})` : ""),
      );
    }
    const imprecise = Object.entries(used).filter(([, u]) => !u.precise).map(([k]) => k);
    if (imprecise.length > 0) out.notes.push(`${at.label}: ${imprecise.join(", ")} lost a thread in the window; CPU counted in 10 ms ticks`);
    const cpu = Object.fromEntries(Object.entries(used).map(([k, u]) => [k, u.ms / 1000 / hours]));
    if (floor) {
      if ((await floor.exited) !== 0) throw new Error(`the floor's reads exited ${floor.exitCode}: ${await new Response(floor.stderr).text()}`);
      const reads = JSON.parse(readFileSync(floorFile, "utf8")) as StatReads;
      cpu.floor = floorPerHour(reads);
      const us = summarize(reads.passesUs);
      out.notes.push(`${at.label}, floor: ${reads.processes} stat lines a pass, ${us.median} µs of CPU (${us.min}–${us.max}, n=${us.n}), every ${at.interval}`);
    }
    if (Object.values(meters).every((m) => m.source === "cgroup")) out.notes.push(`${at.label}: each daemon's CPU counted in a cgroup of its own, ns`);
    return { cpu, rss, anon };
  } finally {
    metrics.stop();
    for (const meter of Object.values(meters)) meter.close();
    watch.kill("SIGTERM");
    await Promise.race([watch.exited, Bun.sleep(5000)]);
    watch.kill("SIGKILL");
  }
};

const one = (v: number | undefined): Summary | undefined => (v === undefined ? undefined : summarize([v]));

const MODE_TEXT = { prometheus: "Prometheus, scraped every minute", otlp: "OTLP, pushed every minute" } as const;

/** The issue 27 budgets of a window with metrics on against the one without: RSS ≤ 0.8× PM2's, CPU within 10 %, OTLP ≤ +15 MB. */
const metricsRows = (
  out: SuiteOutput,
  { n, interval, mode, on, off }: { n: number; interval: string; mode: "prometheus" | "otlp"; on: Window; off: Window },
) => {
  const rssOn = summarize(on.rss.watch!);
  const rssOff = summarize(off.rss.watch!);
  const pmRss = on.rss.pm2 ? summarize(on.rss.pm2) : undefined;
  const rssRatio = pmRss ? ratio(rssOn.median, pmRss.median) : Number.NaN;
  out.rows.push({
    case: `RSS with metrics on (${MODE_TEXT[mode]}), ${n} jobs`,
    unit: "MB",
    values: { "watch, metrics on": rssOn, "watch, metrics off": rssOff, ...(pmRss ? { "PM2 daemon": pmRss } : {}) },
    ratios: { ...(pmRss ? { "÷ PM2": rssRatio } : {}), "÷ off": ratio(rssOn.median, rssOff.median) },
    goal: mode === "otlp"
      ? { text: "≤ 0.8× PM2's daemon, ≤ +15 MB over off", met: (pmRss ? rssRatio <= 0.8 : true) && rssOn.median - rssOff.median <= 15, actual: `${pmRss ? `${times(rssRatio)} PM2, ` : ""}+${(rssOn.median - rssOff.median).toFixed(1)} MB over off` }
      : { text: "≤ 0.8× PM2's daemon", met: pmRss ? rssRatio <= 0.8 : null, actual: pmRss ? `${times(rssRatio)} PM2 (${rssOn.median.toFixed(1)} vs ${pmRss.median.toFixed(1)} MB)` : `${rssOn.median.toFixed(1)} MB` },
  });
  const cpuRatio = ratio(on.cpu.watch!, off.cpu.watch!);
  out.rows.push({
    case: `CPU every ${interval} with metrics on (${MODE_TEXT[mode]}), ${n} jobs`,
    unit: "CPU s/h",
    values: { "watch, metrics on": one(on.cpu.watch)!, "watch, metrics off": one(off.cpu.watch)! },
    ratios: { "÷ off": cpuRatio },
    goal: { text: "within 10 % of metrics off", met: cpuRatio <= 1.1, actual: `${times(cpuRatio)} off (${on.cpu.watch!.toFixed(2)} vs ${off.cpu.watch!.toFixed(2)} CPU s/h)` },
  });
};
const times = (r: number) => `${r.toFixed(2)}×`;

/**
 * 2. CPU and memory of `watch`, with 1,000 other processes: at PM2's cadence against PM2's daemon,
 * and at the default interval against the bare reads it must make, in one run.
 */
export const watchdogSuite: Suite = {
  id: "watchdog",
  title: "2. Watchdog cost",
  method: [
    "`codex-supervisor watch` with N jobs running and PM2's daemon managing N processes of the same shape, on a machine with",
    "1,000 extra idle processes, in two windows one after the other: `watch` every 30 s (PM2's own cadence) against PM2's daemon,",
    "and `watch` every 5 s (the default) against the floor: the bare reads of every job process's /proc/PID/stat through held",
    "descriptors, every 5 s, in a process of its own (bench/lib/statReads.ts; CPU of the reads alone).",
    "CPU over the window as seconds per hour (where the bench may make cgroups, each daemon is moved into one of its own",
    "and its usage counted to the nanosecond, exited threads included; else each thread's on-CPU nanoseconds from",
    "/proc/PID/task/TID/schedstat, or utime+stime from /proc/PID/stat, in 10 ms ticks, if a thread exited in the window), and resident",
    "memory (VmRSS, and its anonymous part RssAnon) sampled every second (median) in the 5 s window. A daemon's CPU includes the processes it",
    "forks in the window (a cgroup's children stay in it), not the jobs it manages; the notes split each daemon's CPU into its own threads",
    "and the children it reaped (10 ms ticks), with the CPU of each minute.",
    "At the first size, two more windows at the default interval with metrics on (issue 27): `metrics.listen` scraped every minute",
    "as a Prometheus would at its default (once before the window too), then `metrics.otlp` pushing at its default, every minute, to a",
    "loopback collector; each against the window without. A window of 240 s holds four scrapes or pushes.",
  ].join(" "),
  run: async (env, out) => {
    const { ctx, quick, pm2: getPm2, fleet, options, log } = env;
    const counts = quick ? [3] : [20, 100];
    const others = quick ? 200 : 1000;
    // Four minutes: when a thread of the daemon ends in the window (JSC's GC helpers do), CPU is
    // counted in 10 ms ticks, and an idle daemon uses only a few dozen of them in that time.
    const windowS = Number(options.watchWindow ?? (quick ? 2 : 240));
    // the default (5s) unless quick, or one asked for with --watch-interval
    const interval = options.watchInterval || (quick ? "1s" : "5s");
    const pm2Cadence = quick ? "2s" : PM2_CADENCE;
    const pm2 = await getPm2();
    const killSleepers = await spawnSleepers(ctx, others);
    try {
      for (const n of counts) {
        log(`watchdog: ${n} jobs, ${others} other processes, ${windowS} s windows at ${pm2Cadence} and ${interval}`);
        await fleet.resize(n);
        await pm2?.resize(n);
        const pm2Pid = pm2?.daemonPid();
        const atPm2 = await measureWindow(env, out, { label: `${n} jobs every ${pm2Cadence}`, interval: pm2Cadence, windowS, pm2Pid, floor: false });
        const atDefault = await measureWindow(env, out, { label: `${n} jobs every ${interval}`, interval, windowS, pm2Pid, floor: true });

        const slow = { watch: atPm2.cpu.watch!, pm2: atPm2.cpu.pm2 };
        const slowRatio = slow.pm2 === undefined ? Number.NaN : ratio(slow.watch, slow.pm2);
        out.rows.push({
          case: `CPU every ${pm2Cadence}${pm2Cadence === PM2_CADENCE ? " (PM2's cadence)" : ""}, ${n} jobs`,
          unit: "CPU s/h",
          values: { "codex-supervisor watch": one(slow.watch)!, ...(slow.pm2 !== undefined ? { "PM2 daemon": one(slow.pm2)! } : {}) },
          ratios: slow.pm2 !== undefined ? { "÷ PM2": slowRatio } : {},
          goal: {
            text: "≤ 0.5× PM2's daemon",
            met: slow.pm2 === undefined ? null : slowRatio <= 0.5,
            actual: slow.pm2 === undefined ? `${slow.watch.toFixed(2)} CPU s/h` : `${times(slowRatio)} PM2 (${slow.watch.toFixed(2)} vs ${slow.pm2.toFixed(2)} CPU s/h)`,
          },
        });

        const fast = { watch: atDefault.cpu.watch!, floor: atDefault.cpu.floor!, pm2: atDefault.cpu.pm2 };
        const floorRatio = ratio(fast.watch, fast.floor);
        out.rows.push({
          case: `CPU every ${interval}${interval === "5s" ? " (default)" : ""}, ${n} jobs`,
          unit: "CPU s/h",
          values: {
            "codex-supervisor watch": one(fast.watch)!,
            ...(fast.pm2 !== undefined ? { "PM2 daemon": one(fast.pm2)! } : {}),
            "floor: the bare stat reads": one(fast.floor)!,
          },
          ratios: { ...(fast.pm2 !== undefined ? { "÷ PM2": ratio(fast.watch, fast.pm2) } : {}), "÷ floor": floorRatio },
          goal: {
            text: "≤ 1.5× the floor",
            met: floorRatio <= 1.5,
            actual: `${times(floorRatio)} the floor (${fast.watch.toFixed(2)} vs ${fast.floor.toFixed(2)} CPU s/h)`,
          },
        });

        const supRss = summarize(atDefault.rss.watch!);
        const pmRss = pm2 ? summarize(atDefault.rss.pm2!) : undefined;
        const rssRatio = pmRss ? ratio(supRss.median, pmRss.median) : Number.NaN;
        out.rows.push({
          case: `RSS, ${n} jobs`,
          unit: "MB",
          values: { "codex-supervisor watch": supRss, ...(pmRss ? { "PM2 daemon": pmRss } : {}) },
          ratios: pmRss ? { "÷ PM2": rssRatio } : {},
          goal: { text: "≤ 0.8× PM2's daemon", met: pmRss ? rssRatio <= 0.8 : null, actual: pmRss ? `${times(rssRatio)} PM2 (${supRss.median.toFixed(1)} vs ${pmRss.median.toFixed(1)} MB)` : `${supRss.median.toFixed(1)} MB` },
        });
        // No goal of its own: the part of RSS that is the process's own heap, not its executable's pages.
        const supAnon = summarize(atDefault.anon.watch!);
        const pmAnon = pm2 ? summarize(atDefault.anon.pm2!) : undefined;
        out.rows.push({
          case: `anonymous part of RSS, ${n} jobs`,
          unit: "MB",
          values: { "codex-supervisor watch": supAnon, ...(pmAnon ? { "PM2 daemon": pmAnon } : {}) },
          ratios: pmAnon ? { "÷ PM2": ratio(supAnon.median, pmAnon.median) } : {},
        });
        // metrics on (issue 27), at the first size: the same window again with them scraped, then pushed
        if (n === counts[0]) {
          for (const mode of ["prometheus", "otlp"] as const) {
            const on = await measureWindow(env, out, { label: `${n} jobs every ${interval}, metrics ${mode}`, interval, windowS, pm2Pid, floor: false, metrics: mode });
            metricsRows(out, { n, interval, mode, on, off: atDefault });
          }
        }
      }
      out.notes.push(`${others} extra idle processes; windows of ${windowS} s, one at ${pm2Cadence} and one at ${interval}; RSS sampled every second in the second`);
    } finally {
      killSleepers();
      ctx.writeConfig(undefined);
    }
  },
};
