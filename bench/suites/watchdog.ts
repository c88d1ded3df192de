import { parseDuration } from "../../src/core/duration.ts";
import { cpuMeter, memoryOf } from "../lib/procs.ts";
import { spawnSleepers } from "../lib/sleepers.ts";
import { ratio, type Summary, summarize } from "../lib/stats.ts";
import type { Pm2 } from "../lib/pm2.ts";
import type { Suite, SuiteEnv, SuiteOutput } from "../lib/suite.ts";
import { CLI } from "../lib/context.ts";

/** Policies a user would plausibly run all day; none fires during the measurement. */
export const EVERYDAY_POLICIES = [
  { name: "max-runtime", when: { runtimeOver: "45m" }, do: ["kill"] },
  { name: "stuck", when: { idleFor: "15m" }, do: ["notify"] },
  { name: "memory", when: { rssOver: "8GB" }, do: ["notify"] },
  { name: "orphans", match: { tracked: "either" }, when: { orphaned: true, runtimeOver: "10m" }, do: ["notify"] },
];

const MB = 1024 * 1024;

type Variant = "off" | "prometheus" | "otlp";
const VARIANTS: Record<Variant, { readonly suffix: string }> = {
  off: { suffix: "" },
  prometheus: { suffix: ", Prometheus metrics on" },
  otlp: { suffix: ", OTLP push on" },
};
const SCRAPE_EVERY_MS = 15_000;

const freePort = () => {
  const probe = Bun.serve({ hostname: "127.0.0.1", port: 0, fetch: () => new Response() });
  const port = probe.port!;
  void probe.stop(true);
  return port;
};

interface Measured {
  readonly cpu: Summary;
  readonly rss: Summary;
  readonly pmRss: Summary | undefined;
  readonly precise: boolean;
  readonly counted: string;
}

interface MeasureInput {
  readonly ctx: SuiteEnv["ctx"];
  readonly n: number;
  readonly windowS: number;
  readonly intervalMs: number;
  readonly quick: boolean;
  readonly pm2: Pm2 | undefined;
  readonly fleetEnv: Record<string, string>;
  readonly out: SuiteOutput;
  /** Appended to each row's case: which metrics the watchdog had on. */
  readonly suffix: string;
}

/** One window of `watch` and PM2's daemon side by side: CPU, RSS and its anonymous part, as rows. */
const measure = async ({ ctx, n, windowS, intervalMs, quick, pm2, fleetEnv, out, suffix }: MeasureInput): Promise<Measured> => {
  const watch = ctx.spawn([process.execPath, CLI, "watch", "--cwd", ctx.root], { env: fleetEnv });
  // CPU over the window, one meter per daemon; closed whatever happens, so no cgroup is left behind
  let meters: Record<string, ReturnType<typeof cpuMeter>> = {};
  try {
    await Bun.sleep(quick ? 2000 : intervalMs * 2 + 1000); // start-up and the first ticks are not the steady state
    if (watch.exitCode !== null) throw new Error(`watch exited ${watch.exitCode}: ${await new Response(watch.stderr).text()}`);
    const pids = { watch: watch.pid, ...(pm2 ? { pm2: pm2.daemonPid() } : {}) } as Record<string, number>;
    // CPU over the whole window (see cpuMeter).
    // Memory: sampled every second.
    const rss: Record<string, number[]> = Object.fromEntries(Object.keys(pids).map((k) => [k, []]));
    const anon: Record<string, number[]> = Object.fromEntries(Object.keys(pids).map((k) => [k, []]));
    meters = Object.fromEntries(Object.entries(pids).map(([k, pid]) => [k, cpuMeter(pid)]));
    const t0 = performance.now();
    // each daemon's CPU so far at the start of each minute, to show whether it came in bursts
    const byMinute: Record<string, number[]> = Object.fromEntries(Object.keys(pids).map((k) => [k, [0]]));
    while (performance.now() - t0 < windowS * 1000) {
      const minute = Math.floor((performance.now() - t0) / 60_000);
      for (const [k, meter] of Object.entries(meters)) if (byMinute[k]!.length <= minute) byMinute[k]!.push(meter.read().ms);
      for (const [k, pid] of Object.entries(pids)) {
        const m = memoryOf(pid);
        rss[k]!.push((m?.rss ?? Number.NaN) / MB);
        anon[k]!.push((m?.anon ?? Number.NaN) / MB);
      }
      await Bun.sleep(Math.min(1000, windowS * 1000 - (performance.now() - t0)));
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
        `${n} jobs${suffix}, ${k}: ${perHour(used[k]!.ms)} CPU s/h in all (ms by minute: ${minutes}); its own threads ${perHour(ownMs)}, children it reaped ${perHour(reapedChildrenMs)} (10 ms ticks)` +
          (others.length > 0 ? `; ${others.length} other processes in its cgroup at the end (${others.slice(0, 5).join(", ")}${others.length > 5 ? ", …" : ""})` : ""),
      );
    }
    const counted = Object.values(meters).every((m) => m.source === "cgroup") ? "each daemon's cgroup, ns" : "threads' schedstat, ns";
    const cpuPerHour = Object.fromEntries(Object.entries(used).map(([k, u]) => [k, [u.ms / 1000 / hours]]));
    const imprecise = Object.entries(used).filter(([, u]) => !u.precise).map(([k]) => k);
    if (imprecise.length > 0) out.notes.push(`${n} jobs${suffix}: ${imprecise.join(", ")} lost a thread in the window; CPU counted in 10 ms ticks`);
    const supCpu = summarize(cpuPerHour.watch!);
    const supRss = summarize(rss.watch!);
    const pmCpu = pm2 ? summarize(cpuPerHour.pm2!) : undefined;
    const pmRss = pm2 ? summarize(rss.pm2!) : undefined;
    const cpuRatio = pmCpu ? ratio(supCpu.median, pmCpu.median) : Number.NaN;
    const rssRatio = pmRss ? ratio(supRss.median, pmRss.median) : Number.NaN;
    out.rows.push({
      case: `CPU, ${n} jobs${suffix}`,
      unit: "CPU s/h",
      values: { "codex-supervisor watch": supCpu, ...(pmCpu ? { "PM2 daemon": pmCpu } : {}) },
      ratios: pmCpu ? { "÷ PM2": cpuRatio } : {},
      goal: {
        text: "≤ 1× PM2's daemon",
        met: pmCpu ? supCpu.median <= pmCpu.median : null,
        actual: !pmCpu ? `${supCpu.median.toFixed(1)} CPU s/h`
          : pmCpu.median === 0 ? `${supCpu.median.toFixed(1)} CPU s/h; PM2's daemon used no measurable CPU`
          : `${cpuRatio.toFixed(2)}× PM2 (${supCpu.median.toFixed(1)} vs ${pmCpu.median.toFixed(1)} CPU s/h)`,
      },
    });
    out.rows.push({
      case: `RSS, ${n} jobs${suffix}`,
      unit: "MB",
      values: { "codex-supervisor watch": supRss, ...(pmRss ? { "PM2 daemon": pmRss } : {}) },
      ratios: pmRss ? { "÷ PM2": rssRatio } : {},
      goal: { text: "≤ 0.8× PM2's daemon", met: pmRss ? rssRatio <= 0.8 : null, actual: pmRss ? `${rssRatio.toFixed(2)}× PM2 (${supRss.median.toFixed(1)} vs ${pmRss.median.toFixed(1)} MB)` : `${supRss.median.toFixed(1)} MB` },
    });
    // No goal of its own: the part of RSS that is the process's own heap, not its executable's pages.
    const supAnon = summarize(anon.watch!);
    const pmAnon = pm2 ? summarize(anon.pm2!) : undefined;
    out.rows.push({
      case: `anonymous part of RSS, ${n} jobs${suffix}`,
      unit: "MB",
      values: { "codex-supervisor watch": supAnon, ...(pmAnon ? { "PM2 daemon": pmAnon } : {}) },
      ratios: pmAnon ? { "÷ PM2": ratio(supAnon.median, pmAnon.median) } : {},
    });
    return { cpu: supCpu, rss: supRss, pmRss, precise: imprecise.length === 0, counted };
  } finally {
    for (const meter of Object.values(meters)) meter.close();
    watch.kill("SIGTERM");
    await Promise.race([watch.exited, Bun.sleep(5000)]);
    watch.kill("SIGKILL");
  }
};

/** What metrics cost the watchdog: CPU within 10 % of metrics off; OTLP's RSS at most 15 MB over it. */
const metricsRows = (n: number, seen: Partial<Record<Variant, Measured>>, withPm2: boolean, out: SuiteOutput) => {
  const off = seen.off;
  if (!off) return;
  for (const variant of ["prometheus", "otlp"] as const) {
    const on = seen[variant];
    if (!on) continue;
    const cpuRatio = ratio(on.cpu.median, off.cpu.median);
    out.rows.push({
      case: `CPU, ${n} jobs${VARIANTS[variant].suffix}, against off`,
      unit: "CPU s/h",
      values: { "metrics on": on.cpu, "metrics off": off.cpu },
      ratios: { "÷ off": cpuRatio },
      goal: { text: "≤ 1.1× metrics off", met: cpuRatio <= 1.1, actual: `${cpuRatio.toFixed(2)}× off (${on.cpu.median.toFixed(2)} vs ${off.cpu.median.toFixed(2)} CPU s/h)` },
    });
    const extraMb = on.rss.median - off.rss.median;
    out.rows.push({
      case: `RSS, ${n} jobs${VARIANTS[variant].suffix}, against off`,
      unit: "MB",
      values: { "metrics on": on.rss, "metrics off": off.rss },
      ratios: { "÷ off": ratio(on.rss.median, off.rss.median) },
      ...(variant === "otlp" ? { goal: { text: "≤ off + 15 MB", met: extraMb <= 15, actual: `+${extraMb.toFixed(1)} MB (${on.rss.median.toFixed(1)} vs ${off.rss.median.toFixed(1)} MB)` } } : {}),
      ...(variant === "prometheus" && withPm2 ? { note: "its budget against PM2 is the row above" } : {}),
    });
  }
};

/** 2. CPU and memory of `watch` against PM2's daemon over the same window, with 1,000 other processes. */
export const watchdogSuite: Suite = {
  id: "watchdog",
  title: "2. Watchdog cost",
  method: [
    "`codex-supervisor watch` at the default interval (5 s) with N jobs running and PM2's daemon managing",
    "N processes of the same shape, on a machine with 1,000 extra idle processes, measured over the same",
    "window: CPU over the window as seconds per hour (where the bench may make cgroups, each daemon is moved into one of its own",
    "and its usage counted to the nanosecond, exited threads included; else each thread's on-CPU nanoseconds from",
    "/proc/PID/task/TID/schedstat, or utime+stime from /proc/PID/stat, in 10 ms ticks, if a thread exited in the window), and resident",
    "memory (VmRSS, and its anonymous part RssAnon) sampled every second (median). A daemon's CPU includes the processes it forks in the",
    "window (a cgroup's children stay in it), not the jobs it manages; the notes split each daemon's CPU into its own threads and the",
    "children it reaped (10 ms ticks), with the CPU of each minute. Each N is measured three times: metrics off, with",
    "`metrics.listen` on and /metrics scraped every 15 s, and with `metrics.otlp` pushing to a loopback collector every 15 s",
    "(`--watch-metrics off,prometheus` picks some); the metrics rows compare each with metrics off.",
  ].join(" "),
  run: async ({ ctx, quick, pm2: getPm2, fleet, fleetEnv, options, log }, out) => {
    const counts = quick ? [3] : [20, 100];
    const others = quick ? 200 : 1000;
    // Four minutes: when a thread of the daemon ends in the window (JSC's GC helpers do), CPU is
    // counted in 10 ms ticks, and an idle daemon uses only a few dozen of them in that time.
    const windowS = Number(options.watchWindow ?? (quick ? 2 : 240));
    // the default (5s) unless quick, or one asked for with --watch-interval (e.g. 30s, PM2's own cadence)
    const interval = options.watchInterval || (quick ? "1s" : undefined);
    const intervalMs = (interval ? parseDuration(interval) : undefined) ?? 5000;
    const variants = (options.watchMetrics ?? "off,prometheus,otlp").split(",").filter((v): v is Variant => v in VARIANTS);
    const pm2 = await getPm2();
    const killSleepers = await spawnSleepers(ctx, others);
    // what a Prometheus and an OTLP collector would be to the watchdog: a scrape every 15 s, a receiver
    let pushes = 0;
    const collector = Bun.serve({ hostname: "127.0.0.1", port: 0, fetch: async (req) => { await req.arrayBuffer(); pushes++; return new Response("{}"); } });
    try {
      let counted = "threads' schedstat, ns";
      for (const n of counts) {
        await fleet.resize(n);
        await pm2?.resize(n);
        const seen: Partial<Record<Variant, Measured>> = {};
        for (const variant of variants) {
          log(`watchdog: ${n} jobs, ${others} other processes, ${windowS} s window, metrics ${variant}`);
          const metricsPort = variant === "prometheus" ? freePort() : undefined;
          ctx.writeConfig({
            ...(interval ? { watchdog: { interval } } : {}), policies: EVERYDAY_POLICIES,
            ...(variant === "prometheus" ? { metrics: { listen: `127.0.0.1:${metricsPort}` } } : {}),
            ...(variant === "otlp" ? { metrics: { otlp: `http://127.0.0.1:${collector.port}` } } : {}),
          });
          pushes = 0;
          let scrapes = 0;
          const scrape = () => { void fetch(`http://127.0.0.1:${metricsPort}/metrics`).then((r) => r.text()).then(() => { scrapes++; }, () => {}); };
          const scraper = metricsPort === undefined ? undefined : setInterval(scrape, SCRAPE_EVERY_MS);
          try {
            const m = await measure({ ctx, n, windowS, intervalMs, quick, pm2, fleetEnv, out, suffix: VARIANTS[variant].suffix });
            seen[variant] = m;
            if (m.precise) counted = m.counted;
          } finally {
            if (scraper) clearInterval(scraper);
          }
          if (variant === "prometheus") out.notes.push(`${n} jobs, Prometheus metrics on: ${scrapes} scrapes of /metrics in the window and warm-up, one every ${SCRAPE_EVERY_MS / 1000} s`);
          if (variant === "otlp") out.notes.push(`${n} jobs, OTLP on: ${pushes} pushes received by a loopback collector (metrics every 15 s, logs when there were events)`);
        }
        metricsRows(n, seen, pm2 !== undefined, out);
      }
      out.notes.push(`${others} extra idle processes; interval ${interval ?? "5s (default)"}; CPU over one ${windowS} s window (${counted}), RSS sampled every second`);
    } finally {
      void collector.stop(true);
      killSleepers();
      ctx.writeConfig(undefined);
    }
  },
};
