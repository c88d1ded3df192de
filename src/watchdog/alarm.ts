import * as Clock from "effect/Clock";
import * as Context from "effect/Context";
import * as Deferred from "effect/Deferred";
import * as Duration from "effect/Duration";
import * as Effect from "effect/Effect";

/**
 * The watchdog's sleep between ticks, which a wake (SIGHUP) ends early.
 *
 * Racing the Clock's sleep against a wake forks two fibers and interrupts one, every tick:
 * ~0.5 ms of CPU each time on an idle machine (caches cold after 5 s), 0.3 CPU s/h of a
 * watchdog that costs 1-2 (`bun bench/tools/alarm-cost.ts`). On Effect's own clock, which
 * sleeps with a timer, the alarm is that timer itself, cleared on a wake: one suspension,
 * no fiber. On any other clock (TestClock) it is the race, so virtual time still drives it.
 */
export interface Alarm {
  /** Sleeps `ms` on the fiber's Clock, or until `wake` is called, whichever is first. */
  readonly sleep: (ms: number) => Effect.Effect<void>;
  /** Ends the current sleep at once; a wake with no sleep under way ends the next one at once. */
  readonly wake: () => void;
}

const effectsOwnClock = Context.get(Context.empty(), Clock.Clock);
// setTimeout's limit (~24.8 days); a longer interval ends its sleep then, and the watchdog looks once early
const MAX_TIMER_MS = 2 ** 31 - 1;

export const makeAlarm = (): Alarm => {
  // a wake that came while no sleep was under way is kept for the next one
  let pending = false;
  let ring: (() => void) | undefined;
  const sleep = (ms: number): Effect.Effect<void> => Effect.suspend(() => {
    if (pending) {
      pending = false;
      return Effect.void;
    }
    return Effect.clockWith((clock) => {
      if (clock !== effectsOwnClock) {
        const woken = Deferred.makeUnsafe<void>();
        ring = () => Deferred.doneUnsafe(woken, Effect.void);
        return Effect.race(clock.sleep(Duration.millis(ms)), Deferred.await(woken)).pipe(Effect.ensuring(Effect.sync(() => (ring = undefined))));
      }
      return Effect.callback<void>((resume) => {
        const timer = setTimeout(() => {
          ring = undefined;
          resume(Effect.void);
        }, Math.min(ms, MAX_TIMER_MS));
        ring = () => {
          clearTimeout(timer);
          resume(Effect.void);
        };
        return Effect.sync(() => {
          clearTimeout(timer);
          ring = undefined;
        });
      });
    });
  });
  const wake = () => {
    const r = ring;
    ring = undefined;
    if (r) r();
    else pending = true;
  };
  return { sleep, wake };
};
