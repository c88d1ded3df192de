/**
 * After the tests: the empty job cgroups they left (a job SIGKILLed by a test's clean-up, a
 * database deleted before anyone saw its jobs end) are removed, as the next `start` would.
 * A group still holding a process stays: that is a leak for its test to answer for. The folder
 * of the job groups goes too once empty.
 */
import { Effect } from "effect";
import { Cgroups } from "../../src/services/Cgroups.ts";

// older than this: no launch of a concurrent run is still between making its group and joining it
const MIN_AGE_MS = 1_000;

export default function setup(): () => Promise<void> {
  return async () => {
    await Effect.runPromise(Effect.gen(function* () {
      return yield* (yield* Cgroups).sweep(MIN_AGE_MS, { andBase: true });
    }).pipe(Effect.provide(Cgroups.layer)));
  };
}
