import * as Clock from "effect/Clock";
import * as Context from "effect/Context";
import * as Deferred from "effect/Deferred";
import * as Duration from "effect/Duration";
import * as Effect from "effect/Effect";

/**
 * The watchdog's sleep between ticks, which a wake (SIGHUP) ends early.
 *
 * Racing the Clock's sleep against a wake forks two fibers and interrupts one, every tick, and
 * costs a sleep nearly twice this alarm's CPU (`bun bench/tools/alarm-cost.ts`; BENCHMARKS.md, "Measurements behind the code").
 * On Effect's own clock, which
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
  // a sleep that ended lets go of `ring` only while it is still its own, not a later sleep's
  const release = (mine: () => void) => {
    if (ring === mine) ring = undefined;
  };
  const sleep = (ms: number): Effect.Effect<void> => Effect.suspend(() => {
    if (pending) {
      pending = false;
      return Effect.void;
    }
    return Effect.clockWith((clock) => {
      if (clock !== effectsOwnClock) {
        const woken = Deferred.makeUnsafe<void>();
        const mine = () => Deferred.doneUnsafe(woken, Effect.void);
        ring = mine;
        return Effect.race(clock.sleep(Duration.millis(ms)), Deferred.await(woken)).pipe(Effect.ensuring(Effect.sync(() => release(mine))));
      }
      return Effect.callback<void>((resume) => {
        const mine = () => {
          clearTimeout(timer);
          resume(Effect.void);
        };
        const done = () => {
          clearTimeout(timer);
          release(mine);
        };
        const timer = setTimeout(() => {
          done();
          resume(Effect.void);
        }, Math.min(ms, MAX_TIMER_MS));
        ring = mine;
        return Effect.sync(done);
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
