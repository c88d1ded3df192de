import * as Effect from "effect/Effect";
import * as Fiber from "effect/Fiber";
import { TestClock } from "effect/testing";
import { expect, test } from "vitest";
import { makeAlarm } from "../../src/watchdog/alarm.ts";

const elapsed = <A, E>(effect: Effect.Effect<A, E>) => Effect.gen(function* () {
  const t0 = performance.now();
  yield* effect;
  return performance.now() - t0;
});

test("on Effect's own clock the alarm sleeps its time, and a wake ends the sleep under way at once", async () => {
  const alarm = makeAlarm();
  const slept = await Effect.runPromise(elapsed(alarm.sleep(60)));
  expect(slept).toBeGreaterThanOrEqual(55);
  setTimeout(() => alarm.wake(), 20);
  const woken = await Effect.runPromise(elapsed(alarm.sleep(10_000)));
  expect(woken).toBeLessThan(5_000);
});

test("a wake with no sleep under way ends the next sleep at once, and only that one", async () => {
  const alarm = makeAlarm();
  alarm.wake();
  const first = await Effect.runPromise(elapsed(alarm.sleep(10_000)));
  expect(first).toBeLessThan(5_000);
  const second = await Effect.runPromise(elapsed(alarm.sleep(60)));
  expect(second).toBeGreaterThanOrEqual(55);
});

test("an interrupted sleep leaves no timer behind, and a later wake goes to the next sleep", async () => {
  const alarm = makeAlarm();
  await Effect.runPromise(Effect.gen(function* () {
    const fiber = yield* Effect.forkChild(alarm.sleep(10_000));
    yield* Effect.sleep(10);
    yield* Fiber.interrupt(fiber);
  }));
  alarm.wake();
  const next = await Effect.runPromise(elapsed(alarm.sleep(10_000)));
  expect(next).toBeLessThan(5_000);
});

test("under TestClock the alarm sleeps on virtual time, and a wake still ends it", async () => {
  const alarm = makeAlarm();
  await Effect.runPromise(Effect.gen(function* () {
    const fiber = yield* Effect.forkChild(alarm.sleep(5_000));
    yield* TestClock.adjust("4 seconds");
    expect(fiber.pollUnsafe()).toBeUndefined();
    yield* TestClock.adjust("1 second");
    yield* Fiber.await(fiber);
    const woken = yield* Effect.forkChild(alarm.sleep(5_000));
    yield* Effect.yieldNow;
    alarm.wake();
    yield* Fiber.await(woken); // would hang without the wake: virtual time no longer moves
  }).pipe(Effect.provide(TestClock.layer())));
});
