import * as Effect from "effect/Effect";
import type { JobEvent, JobStoreService, NewEvent } from "../services/JobStore.ts";

/** An event as the watchdog's log gets it: `id` is undefined while the database cannot take it (kept to write later). */
export type LoggedEvent = Omit<JobEvent, "id"> & { readonly id: number | undefined };

const firstLine = (text: string) => text.split("\n", 1)[0]!;

/**
 * Every event the watchdog records, told to `sink` once, as it is recorded: written to the
 * database (through the store `store()` returns, which every part of the watchdog writes
 * through), or kept in memory while the database fails (`kept`, from the journal) — a kept event
 * is not told again when it is written later. A tick that fails as the one before it did is told
 * once, not every tick; `tickOk` says when ticks work again.
 */
export const makeEventLog = (sink: ((event: LoggedEvent) => void) | undefined, say: (line: string) => void) => {
  const told = new WeakSet<NewEvent>();
  let tickFailure: string | undefined;
  const tell = (event: NewEvent, id: number | undefined, at: number) => {
    if (!sink) return;
    if (event.kind === "tick-error") {
      const now = firstLine(event.message);
      if (tickFailure === now) return;
      tickFailure = now;
    }
    sink({
      id, at, kind: event.kind, jobId: event.jobId, pid: event.pid, policy: event.policy, action: event.action,
      message: event.message, data: event.data,
    });
  };
  return {
    /** `inner`, its appendEvent telling the log of each event it writes. */
    store: (inner: JobStoreService): JobStoreService => !sink ? inner : {
      ...inner,
      appendEvent: (event) => {
        const at = event.at ?? Date.now();
        return inner.appendEvent({ ...event, at }).pipe(Effect.tap((id) => Effect.sync(() => {
          if (!told.has(event)) tell(event, id, at);
        })));
      },
    },
    /** The journal kept `event` to write later: it is told now, and not again when written. */
    kept: (event: NewEvent & { readonly at: number }) => {
      told.add(event);
      tell(event, undefined, event.at);
    },
    /** A full tick succeeded: after failing ones, that is worth a line. */
    tickOk: () => {
      if (tickFailure === undefined) return;
      tickFailure = undefined;
      say("ticks succeed again");
    },
  };
};

export type EventLog = ReturnType<typeof makeEventLog>;
