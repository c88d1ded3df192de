import * as Clock from "effect/Clock";
import * as Effect from "effect/Effect";
import type { DatabaseError } from "../core/errors.ts";
import { JobStore, type NewEvent } from "../services/JobStore.ts";

// Events kept while the database cannot be written; past this the oldest go (and are counted).
const MAX_KEPT = 10_000;

const why = (e: DatabaseError) => (e.cause instanceof Error ? e.cause.message : String(e.cause ?? e.operation));

/**
 * The watchdog's record of what it does, kept going whatever the database does. While the
 * database cannot be written (another process holds its lock, the disk is full) events are
 * kept in memory, in order, with the time they happened, and written when it can be again;
 * the watchdog says so on stderr when that state changes, never once per tick.
 */
export const makeJournal = (say: (line: string) => void, onKept?: (event: NewEvent & { readonly at: number }) => void) => {
  const kept: NewEvent[] = [];
  let dropped = 0;
  let failure: string | undefined;

  const keep = (event: NewEvent, at: number) => {
    if (kept.length >= MAX_KEPT) { kept.shift(); dropped++; }
    const held = { ...event, at: event.at ?? at };
    kept.push(held);
    onKept?.(held);
  };

  /** A write failed: the database is failing, or failing for another reason than before. */
  const failed = (e: DatabaseError) => {
    const reason = why(e);
    if (failure === reason) return;
    failure = reason;
    say(`database ${e.path} cannot be written (${reason}): still enforcing policies; events are kept to write when it can be again`);
  };

  /** Writes what was kept, in order, without waiting on a lock; whether everything was. */
  const flush = Effect.gen(function* () {
    const store = yield* JobStore;
    while (kept.length > 0) {
      const written = yield* store.withoutWaiting(store.appendEvent(kept[0]!)).pipe(Effect.result);
      if (written._tag === "Failure") { failed(written.failure); return false; }
      kept.shift();
    }
    return true;
  });

  return {
    /** Whether the database was failing at the last write: then nothing should wait on its lock. */
    failing: () => failure !== undefined,
    /** Records an event, now or, while the database cannot be written, later. Never fails. */
    append: (event: NewEvent) => Effect.gen(function* () {
      const at = yield* Clock.currentTimeMillis;
      if (failure !== undefined) return keep(event, at);
      const written = yield* JobStore.use((s) => s.appendEvent({ ...event, at: event.at ?? at })).pipe(Effect.result);
      if (written._tag === "Failure") { failed(written.failure); keep(event, at); }
    }),
    /** A write of the watchdog's failed elsewhere (a claim, a kill's record). */
    failed: (e: DatabaseError) => Effect.sync(() => failed(e)),
    /** While failing: tries the database again by writing what was kept; says so when it works again. */
    recover: Effect.gen(function* () {
      if (failure === undefined) return;
      const count = kept.length;
      // the note that it works again is itself the probe: a write, even when nothing was kept
      const note = { kind: "database", message: `database could not be written (${failure}); it can be again` } satisfies NewEvent;
      kept.push({ ...note, at: yield* Clock.currentTimeMillis });
      if (!(yield* flush)) {
        if (kept.at(-1)?.message === note.message) kept.pop();
        return;
      }
      failure = undefined;
      say(`database can be written again: ${count} kept event(s) written${dropped > 0 ? ` (${dropped} older ones were dropped)` : ""}`);
      dropped = 0;
    }),
  };
};

export type Journal = ReturnType<typeof makeJournal>;
