import * as Effect from "effect/Effect";
import { expect, test } from "vitest";
import { JobStore } from "../../src/services/JobStore.ts";
import { type LoggedEvent, makeEventLog } from "../../src/watchdog/eventLog.ts";

const withLog = <A>(body: (log: ReturnType<typeof makeEventLog>, told: LoggedEvent[], said: string[], store: JobStore["Service"]) => Effect.Effect<A, unknown>) =>
  Effect.runPromise(Effect.scoped(Effect.gen(function* () {
    const told: LoggedEvent[] = [];
    const said: string[] = [];
    const log = makeEventLog((e) => told.push(e), (line) => said.push(line));
    return yield* body(log, told, said, log.store(yield* JobStore));
  }).pipe(Effect.provide(JobStore.layerTest))) as Effect.Effect<A, never, never>);

test("each event written through the store is told once, with the id it was written under", async () => {
  await withLog((_, told, __, store) => Effect.gen(function* () {
    const id = yield* store.appendEvent({ kind: "fired", jobId: "j1", policy: "p", message: "p done" });
    expect(told).toEqual([expect.objectContaining({ id, kind: "fired", jobId: "j1", policy: "p", message: "p done" })]);
  }));
});

test("an event kept while the database fails is told when kept, and not again when written", async () => {
  await withLog((log, told, __, store) => Effect.gen(function* () {
    const held = { kind: "action", message: "kill: done", at: 1000 };
    log.kept(held);
    expect(told).toEqual([expect.objectContaining({ id: undefined, message: "kill: done", at: 1000 })]);
    yield* store.appendEvent(held);
    expect(told).toHaveLength(1);
  }));
});

test("a tick failing the same way is told once; ticks working again is said once", async () => {
  await withLog((log, told, said, store) => Effect.gen(function* () {
    for (let i = 0; i < 3; i++) yield* store.appendEvent({ kind: "tick-error", message: "tick failed (the loop goes on): Error: disk\n  at x" });
    yield* store.appendEvent({ kind: "tick-error", message: "tick failed (the loop goes on): Error: other" });
    expect(told.map((e) => e.message.split("\n")[0])).toEqual(["tick failed (the loop goes on): Error: disk", "tick failed (the loop goes on): Error: other"]);
    log.tickOk();
    log.tickOk();
    expect(said).toEqual(["ticks succeed again"]);
  }));
});
