/**
 * The Promise API, in process: one ManagedRuntime over the CodexSupervisor layer (one config
 * reading, one database handle), each call run on it. Every failure rejects with a
 * SupervisorError carrying the CLI's message. close() interrupts what still runs (a waitFor, a
 * followed event list) and then disposes the runtime, which closes the database.
 */
import * as Cause from "effect/Cause";
import * as Effect from "effect/Effect";
import * as Exit from "effect/Exit";
import * as ManagedRuntime from "effect/ManagedRuntime";
import * as Stream from "effect/Stream";
import { describe, EXIT } from "../app/text/messages.ts";
import { isKnown } from "../app/runtime.ts";
import { CodexSupervisor, type SupervisorFailure } from "./service.ts";
import { SupervisorError } from "./errors.ts";
import type { Supervisor, SupervisorOptions } from "./types.ts";

export const toSupervisorError = (e: SupervisorFailure): SupervisorError => {
  if (e._tag === "WaitTimeout") {
    return new SupervisorError("WaitTimeout", `job ${e.jobId.slice(0, 8)} is still ${e.status} after ${e.timeoutMs} ms`, EXIT.failed, { cause: e });
  }
  const { message, exitCode } = describe(e);
  return new SupervisorError(e._tag, message, exitCode, { cause: e });
};

const closedError = () => new SupervisorError("Closed", "the supervisor is closed", EXIT.failed);

const failureOf = (cause: Cause.Cause<SupervisorFailure>): SupervisorError => {
  const failure = Cause.findErrorOption(cause);
  if (failure._tag === "Some" && (isKnown(failure.value))) return toSupervisorError(failure.value);
  if (Cause.hasInterruptsOnly(cause)) return closedError();
  return new SupervisorError("CliFailed", `internal error: ${Cause.pretty(cause)}`, EXIT.failed, { cause });
};

export const createInProcessSupervisor = (options: SupervisorOptions = {}): Supervisor => {
  const runtime = ManagedRuntime.make(CodexSupervisor.layer(options));
  const stop = new AbortController();
  let closed = false;

  const call = async <A>(use: (sv: CodexSupervisor["Service"]) => Effect.Effect<A, SupervisorFailure>): Promise<A> => {
    if (closed) throw closedError();
    const exit = await runtime.runPromiseExit(Effect.flatMap(Effect.service(CodexSupervisor), use), { signal: stop.signal });
    if (Exit.isSuccess(exit)) return exit.value;
    // closed mid-call: whatever the interrupted call ran into (a closed database) is the close
    throw closed ? closedError() : failureOf(exit.cause);
  };

  /** A stream of the service as an async iterable that close() ends. */
  async function* iterate<A>(use: (sv: CodexSupervisor["Service"]) => Stream.Stream<A, SupervisorFailure>): AsyncGenerator<A> {
    if (closed) throw closedError();
    const stream = Stream.unwrap(Effect.map(Effect.service(CodexSupervisor), use)).pipe(
      Stream.mapError((e): SupervisorError => toSupervisorError(e)),
      Stream.interruptWhen(Effect.callback<void>((resume) => {
        if (stop.signal.aborted) return resume(Effect.void);
        stop.signal.addEventListener("abort", () => resume(Effect.void), { once: true });
      })),
    );
    try {
      yield* await runtime.runPromise(Stream.toAsyncIterableEffect(stream));
    } catch (e) {
      // close() ends a stream: a read that raced it is not the caller's failure
      if (closed) return;
      throw e;
    }
  }

  return {
    start: (o) => call((sv) => sv.start(o)),
    list: (o) => call((sv) => sv.list(o)),
    status: (job) => call((sv) => sv.status(job)),
    logs: (job, o) => call((sv) => sv.logs(job, o)),
    kill: (job, o) => call((sv) => sv.kill(job, o)),
    resume: (job, o) => call((sv) => sv.resume(job, o)),
    waitFor: (job, o) => call((sv) => sv.waitFor(job, o)),
    events: (o) => iterate((sv) => sv.events(o)),
    followLogs: (job, o) => iterate((sv) => sv.followLogs(job, o)),
    close: async () => {
      if (closed) return;
      closed = true;
      stop.abort();
      await runtime.dispose();
    },
  };
};
