#!/usr/bin/env bun
/**
 * What the watchdog's sleep between ticks costs by itself: side by side, one process per way
 * of sleeping, each looping on nothing but that sleep under watch's settings, and the CPU each
 * used over the same window, as s/h and µs per sleep. The ways:
 *   race:  Effect.race(Effect.sleep, Deferred.await(wake)), as the loop slept before src/watchdog/alarm.ts
 *   alarm: the watchdog's Alarm (on Effect's own clock: one timer, cleared on a wake)
 *   sleep: Effect.sleep alone, which no wake can end (the floor of an Effect loop)
 *   timer: setTimeout alone, no Effect (the floor of any loop)
 *
 *   bun bench/tools/alarm-cost.ts [--interval 1000] [--seconds 60] [--rounds 2]
 */
import * as Deferred from "effect/Deferred";
import * as Effect from "effect/Effect";
import { makeAlarm } from "../../src/watchdog/alarm.ts";
import { cpuMeter } from "../lib/procs.ts";
import { summarize } from "../lib/stats.ts";

const arg = (name: string, fallback: string) => {
  const at = process.argv.indexOf(`--${name}`);
  return at >= 0 ? process.argv[at + 1] ?? fallback : fallback;
};
const WAYS = ["race", "alarm", "sleep", "timer"] as const;
const way = process.env.ALARM_COST_WAY;

if (way) {
  const interval = Number(process.env.ALARM_COST_INTERVAL);
  const alarm = makeAlarm();
  const once: () => Effect.Effect<void> = {
    race: () => Effect.race(Effect.sleep(interval), Deferred.await(Deferred.makeUnsafe<void>())),
    alarm: () => alarm.sleep(interval),
    sleep: () => Effect.sleep(interval),
    timer: () => Effect.void,
  }[way as (typeof WAYS)[number]];
  if (way === "timer") setInterval(() => {}, interval);
  else Effect.runFork(Effect.gen(function* () { for (;;) yield* once(); }));
} else {
  const interval = Number(arg("interval", "1000"));
  const seconds = Number(arg("seconds", "60"));
  const rounds = Number(arg("rounds", "2"));
  const env = { ...process.env, BUN_GC_TIMER_DISABLE: "1", BUN_JSC_useDFGJIT: "0", BUN_JSC_useConcurrentJIT: "0", ALARM_COST_INTERVAL: String(interval) };
  const results = new Map<string, number[]>();
  for (let round = 0; round < rounds; round++) {
    const procs = WAYS.map((w) => ({ w, p: Bun.spawn([process.execPath, import.meta.path], { env: { ...env, ALARM_COST_WAY: w }, stdout: "ignore", stderr: "inherit" }) }));
    try {
      await Bun.sleep(3000);
      const meters = procs.map(({ p }) => cpuMeter(p.pid));
      await Bun.sleep(seconds * 1000);
      procs.forEach(({ w }, i) => {
        const ms = meters[i]!.read().ms;
        meters[i]!.close();
        results.set(w, [...(results.get(w) ?? []), ms]);
        process.stdout.write(`round ${round + 1} ${w.padEnd(6)} ${(ms / 1000 / (seconds / 3600)).toFixed(2)} CPU s/h\n`);
      });
    } finally {
      for (const { p } of procs) p.kill();
    }
  }
  const sleeps = (seconds * 1000) / interval;
  process.stdout.write(`\nsleeps of ${interval} ms, ${seconds} s windows, median of ${rounds}:\n`);
  for (const [w, ms] of results) {
    const m = summarize(ms).median;
    process.stdout.write(`${w.padEnd(6)} ${(m / 1000 / (seconds / 3600)).toFixed(2)} CPU s/h, ${((m * 1000) / sleeps).toFixed(0)} µs per sleep\n`);
  }
}
