import { Context, Effect, Layer } from "effect";
import pidusage from "pidusage";

export interface UsageSample {
  /** CPU percent (100 = one core); since the previous sample of this PID in this process, else since it started. */
  readonly cpu: number;
  readonly memory: number;
}

/** CPU and memory of given PIDs, through pidusage; a PID that vanished is simply absent. */
export class Usage extends Context.Service<Usage, {
  readonly sample: (pids: ReadonlyArray<number>) => Effect.Effect<ReadonlyMap<number, UsageSample>>;
}>()("codex-supervisor/Usage") {
  static readonly layer = Layer.succeed(Usage, Usage.of({
    sample: Effect.fn("Usage.sample")(function* (pids: ReadonlyArray<number>) {
      const out = new Map<number, UsageSample>();
      if (pids.length === 0) return out;
      const stats = yield* Effect.promise(() =>
        Promise.all(pids.map((pid) => pidusage(pid).then((s) => [pid, s] as const, () => undefined))),
      );
      for (const entry of stats) {
        if (entry) out.set(entry[0], { cpu: Math.round(entry[1].cpu * 10) / 10, memory: entry[1].memory });
      }
      return out;
    }),
  }));
}
