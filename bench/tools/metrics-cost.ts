#!/usr/bin/env bun
/**
 * CPU each metrics step costs the watchdog, per call, for N running jobs: what a tick does
 * (registry.tick), a scrape (the gauges built, the exposition), an OTLP push (both JSON bodies). With a tick every
 * 5 s and a scrape or push every 15 s, the s/h these add is printed beside them.
 *
 *   bun bench/tools/metrics-cost.ts [--jobs 20,100] [--calls 2000]
 * (with the watchdog's JIT settings for its figures: BUN_JSC_useDFGJIT=0 BUN_JSC_useConcurrentJIT=0 before it)
 */
import type { Job } from "../../src/core/job.ts";
import type { Subject } from "../../src/core/subject.ts";
import { exposition } from "../../src/watchdog/metrics/exposition.ts";
import { logsRequest, metricsRequest } from "../../src/watchdog/metrics/otlp.ts";
import { makeRegistry } from "../../src/watchdog/metrics/registry.ts";

const args = process.argv.slice(2);
const arg = (name: string, fallback: string) => { const at = args.indexOf(`--${name}`); return at >= 0 ? args[at + 1] ?? fallback : fallback; };
const calls = Number(arg("calls", "2000"));
const cpuMs = () => { const u = process.cpuUsage(); return (u.user + u.system) / 1000; };
const perCall = (f: () => unknown) => {
  for (let i = 0; i < 50; i++) f();
  const t0 = cpuMs();
  for (let i = 0; i < calls; i++) f();
  return (cpuMs() - t0) / calls;
};
const subject = (i: number): Subject => ({
  key: crypto.randomUUID(), tracked: true, job: { id: "x", status: "running" } as Job, name: `job ${i}`, cwd: `/home/u/project-${i}`, kind: "exec",
  pid: 1000 + i, pids: [1000 + i], threadId: undefined, startedAt: Date.now() - i * 1000, rss: 200e6 + i, cpu: 1, cpuTimeMs: 1000 * i,
  orphaned: false, lastActivityAt: undefined, tokens: 1000 * i, python: { foreignInterpreters: [], repeatedMissingModules: [] },
});
for (const n of arg("jobs", "20,100").split(",").map(Number)) {
  const r = makeRegistry();
  const subjects = Array.from({ length: n }, (_, i) => subject(i));
  for (let i = 0; i < 5; i++) r.firing(`policy-${i}`, "notify", true);
  const jobs = new Map([["running", n], ["completed", 500]]);
  const tickOnce = () => r.tick({ at: Date.now(), durationMs: 3, subjects: () => subjects, jobs });
  // the first scrapes, before anything is compiled: what a watchdog's first scrapes cost (wall ms each)
  const cold = Array.from({ length: 30 }, () => { tickOnce(); const t = performance.now(); exposition(r.snapshot()); return performance.now() - t; });
  const tick = perCall(tickOnce);
  // each scrape and push after a tick of its own: the gauges are built once per tick, by the first to ask
  const scrape = perCall(() => { tickOnce(); return exposition(r.snapshot()).length; });
  const events = Array.from({ length: 10 }, (_, i) => ({ id: i, at: Date.now(), jobId: "x", pid: 1, kind: "state" as const, policy: undefined, action: undefined, message: `event ${i}`, data: null }));
  const push = perCall(() => tickOnce() ?? JSON.stringify(metricsRequest(r.snapshot(), 0, Date.now(), "0")).length + JSON.stringify(logsRequest(events, Date.now(), "0")).length);
  const perHour = (ms: number, every: number) => (ms * (3600 / every) / 1000).toFixed(2);
  process.stdout.write(`${n} jobs: a tick's part ${tick.toFixed(4)} ms (${perHour(tick, 5)} s/h at 5 s); a scrape ${scrape.toFixed(3)} ms (${perHour(scrape, 15)} s/h at 15 s); an OTLP push's bodies ${push.toFixed(3)} ms (${perHour(push, 15)} s/h at 15 s); exposition ${exposition(r.snapshot()).length} bytes; the first scrape's exposition ${cold[0]!.toFixed(2)} ms, the next 29 ${Math.min(...cold.slice(1)).toFixed(2)}–${Math.max(...cold.slice(1)).toFixed(2)} ms\n`);
}
