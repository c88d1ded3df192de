import * as Effect from "effect/Effect";
import * as Fiber from "effect/Fiber";
import { TestClock } from "effect/testing";
import { expect, test } from "vitest";
import { type Alarm, makeAlarm } from "../../src/watchdog/alarm.ts";

/** How long one sleep of the alarm took, ms of wall time. */
const timedSleep = (alarm: Alarm, ms: number) => Effect.runPromise(Effect.gen(function* () {
  const t0 = performance.now();
  yield* alarm.sleep(ms);
  return performance.now() - t0;
}));

test("on Effect's own clock the alarm sleeps its time, and a wake ends the sleep under way at once", async () => {
  const alarm = makeAlarm();
  expect(await timedSleep(alarm, 60)).toBeGreaterThanOrEqual(55);
  setTimeout(() => alarm.wake(), 20);
  expect(await timedSleep(alarm, 10_000)).toBeLessThan(5_000);
});

test("a wake with no sleep under way ends the next sleep at once, and only that one", async () => {
  const alarm = makeAlarm();
  alarm.wake();
  expect(await timedSleep(alarm, 10_000)).toBeLessThan(5_000);
  expect(await timedSleep(alarm, 60)).toBeGreaterThanOrEqual(55);
});

test("an interrupted sleep leaves no timer behind to take the wake meant for a later sleep", async () => {
  const alarm = makeAlarm();
  await Effect.runPromise(Effect.gen(function* () {
    const fiber = yield* Effect.forkChild(alarm.sleep(30));
    yield* Effect.sleep(10);
    yield* Fiber.interrupt(fiber);
  }));
  // the next sleep runs past the moment the interrupted one's timer would have fired (30 ms);
  // a timer left behind would have let go of this sleep's wake, and it would run its 10 s
  setTimeout(() => alarm.wake(), 80);
  expect(await timedSleep(alarm, 10_000)).toBeLessThan(5_000);
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
