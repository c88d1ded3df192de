import { Effect } from "effect";
import { expect, test } from "vitest";
import type { ProcessInfo } from "../../src/core/process.ts";
import { Usage } from "../../src/services/Usage.ts";
import { proc } from "../core/fixtures.ts";

// Usage computes CPU shares from the CPU times it is handed, on every backend: no process is read,
// so made-up processes serve. `shares` (a quiet tick's) must agree with `sample` (a full tick's).
const run = <A>(body: Effect.Effect<A, never, Usage>) => Effect.runPromise(body.pipe(Effect.provide(Usage.layer)));
const at = (p: ProcessInfo, cpuTimeMs: number): ProcessInfo => ({ ...p, cpuTimeMs });

test("shares agree with sample and record nothing; record (or a sample not dry) does; a reused PID starts over", () => run(Effect.gen(function* () {
  const usage = yield* Usage;
  const a = { ...proc(700, ["sleep", "1"], { startTime: "700" }), startedAt: 1_000 };
  const b = { ...proc(701, ["sleep", "1"], { startTime: "701" }), startedAt: 1_000 };
  yield* usage.sample([at(a, 100), at(b, 0)], 11_000); // both recorded at 11 s
  const dry = yield* usage.shares([a, b], Float64Array.of(600, 5_000), 21_000);
  expect([...dry]).toEqual([5, 50]); // 500 ms of 10 s, 5 s of 10 s
  const viaSample = yield* usage.sample([at(a, 600), at(b, 5_000)], 21_000, { dryRun: true });
  expect([viaSample.get(700)?.cpu, viaSample.get(701)?.cpu]).toEqual([5, 50]);
  expect([...(yield* usage.shares([a, b], Float64Array.of(600, 5_000), 21_000))]).toEqual([5, 50]); // still since 11 s
  yield* usage.record([a, b], Float64Array.of(600, 5_000), 21_000); // recorded now
  expect([...(yield* usage.shares([a, b], Float64Array.of(1_600, 5_000), 31_000))]).toEqual([10, 0]);
  const reused = { ...a, startTime: "900", startedAt: 29_000 }; // same PID, another process: since its own start
  expect([...(yield* usage.shares([reused], Float64Array.of(400), 31_000))]).toEqual([20]);
  yield* usage.record([reused], Float64Array.of(400), 31_000); // b is not among them: forgotten
  const again = yield* usage.sample([at(reused, 900), at(b, 5_000)], 41_000, { dryRun: true });
  expect([again.get(700)?.cpu, again.get(701)?.cpu]).toEqual([5, 12.5]); // b since its start at 1 s: 5 s of 40 s
})));
