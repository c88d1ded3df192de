#!/usr/bin/env bun
/**
 * What one call of a named Effect function costs where code runs rarely (a CLI command, once;
 * a watchdog tick, every few seconds): CPU µs per call, median of R calls made --pause ms apart
 * inside one running fiber, for `Effect.fn(name)` (a captured stack and a span per call, with
 * the tracer off as the CLI runs it), `Effect.fnUntraced`, `Effect.gen` and `Effect.sync`.
 * Run it with watch's JSC settings to see what the watchdog pays:
 *
 *   BUN_JSC_useDFGJIT=0 BUN_JSC_useConcurrentJIT=0 bun bench/tools/effect-fn-cost.ts [--reps 15] [--pause 200]
 */
import * as Effect from "effect/Effect";
import { summarize } from "../lib/stats.ts";

const arg = (name: string, fallback: number) => {
  const at = process.argv.indexOf(`--${name}`);
  return at >= 0 ? Number(process.argv[at + 1]) : fallback;
};
const reps = arg("reps", 15);
const pause = arg("pause", 200);

const traced = Effect.fn("traced")(function* (n: number) { return n + 1; });
const untraced = Effect.fnUntraced(function* (n: number) { return n + 1; });
const ways: Record<string, (n: number) => Effect.Effect<number>> = {
  "Effect.fn(name)": traced,
  "Effect.fnUntraced": untraced,
  "Effect.gen": (n) => Effect.gen(function* () { return n + 1; }),
  "Effect.sync": (n) => Effect.sync(() => n + 1),
};
const cpuUs = () => { const u = process.cpuUsage(); return u.user + u.system; };
const times = new Map<string, number[]>(Object.keys(ways).map((k) => [k, []]));
await Effect.runPromise(Effect.gen(function* () {
  for (let r = 0; r < reps; r++) {
    for (const [name, way] of Object.entries(ways)) {
      yield* Effect.sleep(pause);
      const t0 = cpuUs();
      yield* way(r);
      times.get(name)!.push(cpuUs() - t0);
    }
  }
}).pipe(Effect.withTracerEnabled(false)));
process.stdout.write(`one call inside a running fiber, ${pause} ms after the last; CPU µs, median (min–max) of ${reps}:\n`);
for (const [name, xs] of times) {
  const s = summarize(xs);
  process.stdout.write(`  ${name.padEnd(20)} ${s.median.toFixed(0).padStart(5)} (${s.min.toFixed(0)}–${s.max.toFixed(0)})\n`);
}
