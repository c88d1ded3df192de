/** The production kill path over the real machine: real ProcessTable, Signals, JobStore. */
import { Cause, Effect, Exit, Layer } from "effect";
import type { Job } from "../../../src/core/job.ts";
import { killJob } from "../../../src/app/jobs/kill.ts";
import type { ProcessIdentity } from "../../../src/core/process.ts";
import { CodexHistory } from "../../../src/services/CodexHistory.ts";
import { JobStore } from "../../../src/services/JobStore.ts";
import { ProcessTable } from "../../../src/services/ProcessTable.ts";
import { Signals } from "../../../src/services/Signals.ts";

export const realLayer = (dbPath: string) => {
  const table = ProcessTable.layer;
  return Layer.mergeAll(table, Signals.layer.pipe(Layer.provide(table)), JobStore.layer(dbPath), CodexHistory.layer);
};

/** A running job as `start` records it, its launcher being `launcher`. */
export const recordedJob = (id: string, launcher: ProcessIdentity, over: Partial<Job> = {}): Job => ({
  id, name: undefined, cwd: "/tmp", status: "running", createdAt: Date.now() - 1_000, endedAt: undefined,
  codexBin: "codex", codexHome: "/nonexistent/codex-home", args: ["exec", "-"], python: { kind: "none", source: "none" },
  launcher, native: undefined, threadId: undefined, rolloutPath: undefined, resumedFrom: undefined,
  exitCode: undefined, killRequestedAt: undefined, ...over,
});

/** Records the job, then kills it through killJob exactly as `codex-supervisor kill` does. */
export const killRecorded = (dbPath: string, job: Job, graceMs: number) =>
  Effect.runPromiseExit(Effect.gen(function* () {
    yield* (yield* JobStore).insert(job);
    return yield* killJob(job, graceMs, { reason: "adversarial" });
  }).pipe(Effect.provide(realLayer(dbPath))));

/** One signal through Signals over the real table. */
export const sendReal = (identity: ProcessIdentity, signal: NodeJS.Signals) =>
  Effect.runPromise(Effect.gen(function* () {
    return (yield* (yield* Signals).sendAll([identity], signal))[0]!;
  }).pipe(Effect.provide(Signals.layer.pipe(Layer.provide(ProcessTable.layer)))));

/** `killed`, `already-gone`, `survivors`, or the failure's tag (`KillRefused`, …). */
export const outcomeOf = (exit: Exit.Exit<{ readonly result: string }, { readonly _tag: string }>): string => {
  if (Exit.isSuccess(exit)) return exit.value.result;
  const error = Cause.findErrorOption(exit.cause);
  return error._tag === "Some" ? error.value._tag : Cause.pretty(exit.cause);
};
