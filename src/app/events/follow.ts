import * as Effect from "effect/Effect";
import { fn } from "../../core/fn.ts";
import { type JobEvent, JobStore } from "../../services/JobStore.ts";

/** How often a follower asks whether anyone wrote: one `PRAGMA data_version`, no read of the table. */
export const FOLLOW_POLL_MS = 200;
const BATCH = 1000;

/**
 * Events as they are recorded after `sinceId`, in order, handed to `onEvents` a batch at a time;
 * never ends by itself (interrupt it). It reads the table only when SQLite's data_version says
 * another connection committed, so following costs one pragma per poll while nothing happens.
 */
export const followEvents = fn("followEvents")(function* (options: {
  readonly jobId?: string | undefined;
  readonly sinceId: number;
  readonly onEvents: (events: ReadonlyArray<JobEvent>) => void;
}) {
  const store = yield* JobStore;
  let since = options.sinceId;
  let version: number | undefined;
  for (;;) {
    const now = yield* store.dataVersion();
    if (now !== version) {
      version = now;
      for (;;) {
        const batch = yield* store.listEvents({ jobId: options.jobId, sinceId: since, limit: BATCH });
        if (batch.length === 0) break;
        since = batch.at(-1)!.id;
        options.onEvents(batch);
        if (batch.length < BATCH) break;
      }
    }
    yield* Effect.sleep(FOLLOW_POLL_MS);
  }
});
