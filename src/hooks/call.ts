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
  call: (base: HookContext) => A | PromiseLike<A>,
): Effect.Effect<Result.Result<A, PluginError>> =>
  Effect.gen(function* () {
    const lines: LogLine[] = [];
    const base: HookContext = { options: entry.options, log: (message, data) => { lines.push({ message: String(message), data }); } };
    const failure = (cause: unknown) => new PluginError({ plugin: entry.plugin.name, hook, cause });
    const outcome = yield* Effect.tryPromise({ try: async () => call(base), catch: failure }).pipe(
      Effect.timeoutOrElse({ duration: timeoutMs, orElse: () => Effect.fail(failure(new HookTimeout(timeoutMs))) }),
      Effect.result,
    );
    yield* record(entry.plugin.name, hook, scope, lines);
    return outcome;
  });
