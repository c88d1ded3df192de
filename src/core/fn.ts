import * as Effect from "effect/Effect";

/**
 * A named Effect function, as `Effect.fn(name)`, but untraced unless CODEX_SUPERVISOR_TRACE=1.
 *
 * Each call of a traced Effect.fn captures a stack (`new Error()`) and opens a span, even with the
 * tracer off: several times an untraced call's cost where the code has not run often enough to be
 * compiled well, which is all of a CLI command and every watchdog tick (`bun bench/tools/effect-fn-cost.ts`,
 * under watch's JSC settings; BENCHMARKS.md, "Measurements behind the code"). Nothing here reads the spans (the runtime turns the tracer off); what they
 * add is the functions' names among the frames of a printed defect, which the variable brings back.
 */
export const fn: (name: string) => Effect.fn.Untraced = process.env.CODEX_SUPERVISOR_TRACE === "1"
  ? (name) => Effect.fn(name) as unknown as Effect.fn.Untraced
  : () => Effect.fnUntraced;
