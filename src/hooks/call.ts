import * as Clock from "effect/Clock";
import * as Effect from "effect/Effect";
import type * as Result from "effect/Result";
import { JobStore } from "../services/JobStore.ts";
import { HookTimeout, PluginError } from "./errors.ts";
import type { LoadedPlugin } from "./load.ts";
import type { HookContext } from "./types.ts";

/** What the lines a hook logs are about, for the events table. */
export interface LogScope {
  readonly jobId?: string | undefined;
  readonly pid?: number | undefined;
  readonly policy?: string | undefined;
}

interface LogLine {
  readonly message: string;
  readonly data: unknown;
}

// Logging never fails a hook: a line that cannot be stored is dropped.
const record = (plugin: string, hook: string, scope: LogScope, lines: ReadonlyArray<LogLine>) =>
  Effect.gen(function* () {
    if (lines.length === 0) return;
    const store = yield* Effect.serviceOption(JobStore);
    if (store._tag === "None") return;
    for (const line of lines) {
      yield* store.value.appendEvent({
        ...scope, kind: "plugin", action: hook, message: `${plugin}: ${line.message}`,
        ...(line.data === undefined ? {} : { data: line.data }),
      }).pipe(Effect.ignore);
    }
  });

/**
 * Calls one hook of one plugin. A throw or rejection becomes a PluginError; a call
 * still running after `timeoutMs` is abandoned (a promise cannot be cancelled, only
 * no longer awaited) so a hung plugin cannot stall the caller. Lines it logs are
 * recorded as events when a JobStore is at hand.
 */
export const callHook = <A>(
  entry: LoadedPlugin,
  hook: string,
  timeoutMs: number,
  scope: LogScope,
  /** `extend(ms)` moves the deadline to at least `ms` from now: for work whose length the host knows (a kill's grace). */
  call: (base: HookContext, extend: (ms: number) => void) => A | PromiseLike<A>,
): Effect.Effect<Result.Result<A, PluginError>> =>
  Effect.clockWith((clock) => Effect.gen(function* () {
    const lines: LogLine[] = [];
    const base: HookContext = { options: entry.options, log: (message, data) => { lines.push({ message: String(message), data }); } };
    const failure = (cause: unknown) => new PluginError({ plugin: entry.plugin.name, hook, cause });
    const begun = clock.currentTimeMillisUnsafe();
    let deadline = begun + timeoutMs;
    const extend = (ms: number) => { deadline = Math.max(deadline, clock.currentTimeMillisUnsafe() + ms); };
    // sleeps until the deadline, however often it moved meanwhile
    const expiry = Effect.gen(function* () {
      for (let left = timeoutMs; left > 0; left = deadline - (yield* Clock.currentTimeMillis)) yield* Effect.sleep(left);
      return yield* Effect.fail(failure(new HookTimeout(deadline - begun)));
    });
    const outcome = yield* Effect.raceFirst(Effect.tryPromise({ try: async () => call(base, extend), catch: failure }), expiry).pipe(Effect.result);
    yield* record(entry.plugin.name, hook, scope, lines);
    return outcome;
  }));
