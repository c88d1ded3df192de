/**
 * Runs the REAL kill path — killJob → killTree → Signals — over a FakeKernel: the
 * fake replaces only what the machine would answer (the process table, and the
 * kernel's side of kill(2)); the identity checks, the tree walk and every signal
 * decision are the production code's.
 */
import { Cause, Effect, Exit, Layer } from "effect";
import type { Job } from "../../../src/core/job.ts";
import { killJob, type KillOutcome } from "../../../src/app/jobs/kill.ts";
import { refreshJob } from "../../../src/app/jobs/refresh.ts";
import { CodexHistory } from "../../../src/services/CodexHistory.ts";
import { JobStore } from "../../../src/services/JobStore.ts";
import type { ProcessTable } from "../../../src/services/ProcessTable.ts";
import { Signals } from "../../../src/services/Signals.ts";
import type { FakeKernel } from "./fakeKernel.ts";
import { routeKillTo } from "./fakeKernel.ts";

export type FakeRun<A> =
  | { readonly _tag: "Done"; readonly value: A }
  | { readonly _tag: "Failed"; readonly error: string };

type Services = ProcessTable | Signals | JobStore | CodexHistory;

/** Runs `program` with the real Signals over the kernel's table, and a JobStore at `dbPath`. */
export const runOverKernel = <A, E>(kernel: FakeKernel, dbPath: string, program: Effect.Effect<A, E, Services>): Promise<FakeRun<A>> => {
  const table = kernel.tableLayer();
  const layer = Layer.mergeAll(table, Signals.layer.pipe(Layer.provide(table)), JobStore.layer(dbPath), CodexHistory.layer);
  return routeKillTo(() => kernel, async () => {
    const exit = await Effect.runPromiseExit(program.pipe(Effect.provide(layer)));
    if (Exit.isSuccess(exit)) return { _tag: "Done", value: exit.value } as const;
    const error = Cause.findErrorOption(exit.cause);
    return { _tag: "Failed", error: error._tag === "Some" ? String((error.value as { _tag?: string })._tag ?? error.value) : Cause.pretty(exit.cause) } as const;
  });
};

export type FakeKillResult =
  | { readonly _tag: "Done"; readonly outcome: KillOutcome }
  | { readonly _tag: "Failed"; readonly error: string };

/** Records the job, then kills it as `codex-supervisor kill` does. */
export const killOverKernel = async (kernel: FakeKernel, dbPath: string, job: Job, graceMs: number, insert = true): Promise<FakeKillResult> => {
  const run = await runOverKernel(kernel, dbPath, Effect.gen(function* () {
    if (insert) yield* (yield* JobStore).insert(job);
    return yield* killJob(job, graceMs, { reason: "adversarial" });
  }));
  return run._tag === "Done" ? { _tag: "Done", outcome: run.value } : run;
};

/** What any later `list`, `status` or watchdog tick makes of the job: its stored record, refreshed. */
export const refreshOverKernel = (kernel: FakeKernel, dbPath: string, jobId: string) =>
  runOverKernel(kernel, dbPath, Effect.gen(function* () {
    const stored = yield* (yield* JobStore).get(jobId);
    return (yield* refreshJob(stored!)).job;
  }));
