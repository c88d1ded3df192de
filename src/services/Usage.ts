import * as Context from "effect/Context";
import * as Effect from "effect/Effect";
import * as Layer from "effect/Layer";
import pidusage from "pidusage";
import type { ProcessInfo } from "../core/process.ts";

export interface UsageSample {
  /** CPU percent (100 = one core); since the previous sample of this PID in this process, else since it started. */
  readonly cpu: number;
  readonly memory: number;
}

const round = (cpu: number) => Math.round(cpu * 10) / 10;

/**
 * On Linux, from the facts the snapshot already read (/proc/PID/stat: CPU time, RSS): nothing
 * more is read. pidusage would read the same file again, plus /proc/uptime, after spawning
 * `getconf` twice. CPU is the share since this PID's previous sample, else since it started.
 */
const linuxSampler = () => {
  const previous = new Map<number, { startTime: string; cpuTimeMs: number; at: number }>();
  return (processes: ReadonlyArray<ProcessInfo>, now: number, dryRun: boolean): Map<number, UsageSample> => {
    const out = new Map<number, UsageSample>();
    const seen = new Set<number>();
    for (const p of processes) {
      seen.add(p.pid);
      const before = previous.get(p.pid);
      const since = before && before.startTime === p.startTime && now > before.at ? before : { cpuTimeMs: 0, at: p.startedAt };
      const cpu = now > since.at ? ((p.cpuTimeMs - since.cpuTimeMs) / (now - since.at)) * 100 : 0;
      if (!dryRun) previous.set(p.pid, { startTime: p.startTime, cpuTimeMs: p.cpuTimeMs, at: now });
      out.set(p.pid, { cpu: round(Math.max(0, cpu)), memory: p.rssBytes });
    }
    if (!dryRun) for (const pid of previous.keys()) if (!seen.has(pid)) previous.delete(pid);
    return out;
  };
};

const pidusageSample = (pids: ReadonlyArray<number>) =>
  Effect.promise(() => Promise.all(pids.map((pid) => pidusage(pid).then((s) => [pid, s] as const, () => undefined)))).pipe(
    Effect.map((stats) => {
      const out = new Map<number, UsageSample>();
      for (const entry of stats) if (entry) out.set(entry[0], { cpu: round(entry[1].cpu), memory: entry[1].memory });
      return out;
    }),
  );

export interface SampleOptions {
  /** Compute without recording this as the PIDs' previous sample (a look that may be taken again). */
  readonly dryRun?: boolean | undefined;
}

/**
 * CPU and memory of processes of a snapshot taken at `at` (on Linux from what the snapshot read,
 * through pidusage elsewhere); a PID that vanished is simply absent.
 */
export class Usage extends Context.Service<Usage, {
  readonly sample: (processes: ReadonlyArray<ProcessInfo>, at: number, options?: SampleOptions) => Effect.Effect<ReadonlyMap<number, UsageSample>>;
}>()("codex-supervisor/Usage") {
  static readonly layer = Layer.sync(Usage, () => {
    const linux = process.platform === "linux" ? linuxSampler() : undefined;
    return Usage.of({
      sample: Effect.fn("Usage.sample")(function* (processes: ReadonlyArray<ProcessInfo>, at: number, options?: SampleOptions) {
        if (processes.length === 0) return new Map<number, UsageSample>();
        return linux ? linux(processes, at, options?.dryRun ?? false) : yield* pidusageSample(processes.map((p) => p.pid));
      }),
    });
  });
}
