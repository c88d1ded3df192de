#!/usr/bin/env bun
/**
 * What an idle `watch` costs and where: N Codex-shaped jobs and M idle processes, then
 * `watch --trace` for S seconds. Prints how many ticks were full (and why), the CPU each
 * tick reported, and the process's CPU over the window after the first 12 s (start-up and
 * the first full tick excluded), as seconds per hour, with its RSS at the end.
 *
 *   bun bench/tools/trace-watch.ts [--jobs 20] [--others 1000] [--seconds 72] [--interval 5s]
 *
 * Set BUN_GC_TIMER_DISABLE=0 in the environment to see the cost of Bun's idle-GC timer,
 * which the launcher otherwise turns off for `watch`.
 */
import { join } from "node:path";
import { CLI, createContext } from "../lib/context.ts";
import { jobFleet } from "../lib/jobs.ts";
import { cpuBetween, cpuMark, memoryOf, threadCpuMs, threadNames } from "../lib/procs.ts";
import { spawnSleepers } from "../lib/sleepers.ts";
import { EVERYDAY_POLICIES } from "../suites/watchdog.ts";

const arg = (name: string, fallback: string) => {
  const at = process.argv.indexOf(`--${name}`);
  return at >= 0 ? process.argv[at + 1] ?? fallback : fallback;
};
const jobs = Number(arg("jobs", "20"));
const seconds = Math.max(20, Number(arg("seconds", "72")));
const interval = arg("interval", "");

const ctx = createContext({ quick: false });
try {
  ctx.writeConfig({ ...(interval ? { watchdog: { interval } } : {}), policies: EVERYDAY_POLICIES });
  const stopSleepers = await spawnSleepers(ctx, Number(arg("others", "1000")));
  const env = { ...ctx.env, CODEX_SUPERVISOR_DB: join(ctx.root, "state", "fleet.db") };
  await jobFleet(ctx, env).grow(jobs);
  const watch = Bun.spawn([process.execPath, CLI, "watch", "--trace", "--cwd", ctx.root], { env: { ...process.env, ...env }, stderr: "pipe", stdout: "ignore" });
  await Bun.sleep(12_000);
  const c0 = cpuMark(watch.pid);
  const t0 = threadCpuMs(watch.pid);
  // threads started and ended in the window, by name (polled every 100 ms: one that lives less is missed)
  const names = () => threadNames(watch.pid);
  const first = names();
  const seen = new Map(first);
  for (const end = Date.now() + seconds * 1000 - 12_000; Date.now() < end;) {
    for (const [tid, name] of names()) seen.set(tid, name);
    await Bun.sleep(100);
  }
  const last = names();
  const count = (tids: Iterable<[string, string]>) => {
    const by = new Map<string, number>();
    for (const [, name] of tids) by.set(name, (by.get(name) ?? 0) + 1);
    return [...by].map(([name, n]) => `${n} ${name}`).join(", ") || "none";
  };
  const born = [...seen].filter(([tid]) => !first.has(tid));
  const died = [...seen].filter(([tid]) => !last.has(tid));
  const { ms: used, precise } = cpuBetween(c0, cpuMark(watch.pid));
  const threads = [...threadCpuMs(watch.pid)].map(([name, ms]) => [name, ms - (t0.get(name) ?? 0)] as const).filter(([, ms]) => ms > 0);
  const memory = memoryOf(watch.pid);
  const mb = (bytes: number | undefined) => Math.round((bytes ?? Number.NaN) / 1024 / 1024);
  watch.kill("SIGTERM");
  const lines = (await new Response(watch.stderr).text()).split("\n").filter((l) => l.startsWith("tick "));
  const full = lines.filter((l) => l.includes(" full"));
  const cpu = lines.map((l) => Number(/cpu=([\d.]+)ms/.exec(l)?.[1] ?? 0));
  process.stdout.write([
    `${jobs} jobs: ${lines.length} ticks, ${full.length} full (${full.map((l) => /\((.*)\)/.exec(l)?.[1]).join("; ")})`,
    `CPU per tick after the third, ms: ${cpu.slice(3).map((c) => c.toFixed(1)).join(" ")}`,
    `process CPU over the last ${seconds - 12} s: ${used.toFixed(1)} ms = ${(used / 1000 / ((seconds - 12) / 3600)).toFixed(2)} s/h (${precise ? "threads' schedstat" : "10 ms ticks: a thread ended"}); by thread, in 10 ms ticks: ${threads.map(([name, ms]) => `${name} ${ms}`).join(", ") || "no thread used a whole tick"}, the rest in threads that ended; RSS ${mb(memory?.rss)} MB (anonymous ${mb(memory?.anon)}, file ${mb(memory && memory.rss - memory.anon)})`,
    `threads started in the window: ${count(born)}; ended: ${count(died)}`,
  ].join("\n") + "\n");
  stopSleepers();
} finally {
  await ctx.cleanup();
}
