import * as Context from "effect/Context";
import * as Effect from "effect/Effect";
import * as Layer from "effect/Layer";
import type { ProcessInfo } from "../core/process.ts";

export interface UsageSample {
  /** CPU percent (100 = one core); since the previous sample of this PID in this process, else since it started. */
  readonly cpu: number;
  readonly memory: number;
}

const round = (cpu: number) => Math.round(cpu * 10) / 10;

/**
 * From the facts the snapshot already read (CPU time and RSS, from /proc/PID/stat or the one
 * `ps`): nothing more is read. pidusage would read the same again, one `ps -p` per process
 * outside Linux. CPU is the share since this PID's previous sample, else since it started.
 */
const snapshotSampler = () => {
  const previous = new Map<number, { startTime: string; cpuTimeMs: number; at: number }>();
  /** The share of a core p used since its previous sample (else since it started), had it used cpuTimeMs by now. */
  const share = (p: ProcessInfo, cpuTimeMs: number, now: number): number => {
    const before = previous.get(p.pid);
    const since = before !== undefined && before.startTime === p.startTime && now > before.at ? before : { cpuTimeMs: 0, at: p.startedAt };
    return round(Math.max(0, now > since.at ? ((cpuTimeMs - since.cpuTimeMs) / (now - since.at)) * 100 : 0));
  };
  /** These CPU times, at `now`, become the processes' previous samples; PIDs not among them are forgotten. */
  const record = (processes: ReadonlyArray<ProcessInfo>, cpuTimeMs: ArrayLike<number>, now: number): void => {
    for (let i = 0; i < processes.length; i++) {
      const p = processes[i]!;
      const before = previous.get(p.pid);
      if (before !== undefined && before.startTime === p.startTime) {
        // updated in place: a process sampled again costs no allocation
        before.cpuTimeMs = cpuTimeMs[i]!;
        before.at = now;
      } else {
        previous.set(p.pid, { startTime: p.startTime, cpuTimeMs: cpuTimeMs[i]!, at: now });
      }
    }
    if (previous.size <= processes.length) return;
    const seen = new Set(processes.map((p) => p.pid));
    for (const pid of previous.keys()) if (!seen.has(pid)) previous.delete(pid);
  };
  const sample = (processes: ReadonlyArray<ProcessInfo>, now: number, dryRun: boolean): Map<number, UsageSample> => {
    const out = new Map<number, UsageSample>();
    for (const p of processes) out.set(p.pid, { cpu: share(p, p.cpuTimeMs, now), memory: p.rssBytes });
    if (!dryRun) record(processes, processes.map((p) => p.cpuTimeMs), now);
    return out;
  };
  const shares = (processes: ReadonlyArray<ProcessInfo>, cpuTimeMs: Float64Array, now: number): Float64Array => {
    const out = new Float64Array(processes.length);
    for (let i = 0; i < processes.length; i++) out[i] = share(processes[i]!, cpuTimeMs[i]!, now);
    return out;
  };
  return { sample, shares, record };
};

export interface SampleOptions {
  /** Compute without recording this as the PIDs' previous sample (a look that may be taken again). */
  readonly dryRun?: boolean | undefined;
}

/**
 * CPU and memory of processes of a snapshot taken at `at`, from what the snapshot read (on every
 * backend: the previous samples it keeps are this layer's state).
 */
export class Usage extends Context.Service<Usage, {
  readonly sample: (processes: ReadonlyArray<ProcessInfo>, at: number, options?: SampleOptions) => Effect.Effect<ReadonlyMap<number, UsageSample>>;
  /**
   * `sample`'s CPU percent for processes whose CPU time was read afresh (`cpuTimeMs`, index for
   * index: ProcessTable.counters), as one array, recording nothing: what a quiet tick asks of
   * every process it follows, before it knows whether it will stand or hand over to a full tick.
   */
  readonly shares: (processes: ReadonlyArray<ProcessInfo>, cpuTimeMs: Float64Array, at: number) => Effect.Effect<Float64Array>;
  /** Makes those CPU times the processes' previous samples (what `sample` does unless a dry run). */
  readonly record: (processes: ReadonlyArray<ProcessInfo>, cpuTimeMs: Float64Array, at: number) => Effect.Effect<void>;
}>()("codex-supervisor/Usage") {
  static readonly layer = Layer.sync(Usage, () => {
    const sampler = snapshotSampler();
    return Usage.of({
      sample: (processes, at, options) => Effect.sync(() => sampler.sample(processes, at, options?.dryRun ?? false)),
      shares: (processes, cpuTimeMs, at) => Effect.sync(() => sampler.shares(processes, cpuTimeMs, at)),
      record: (processes, cpuTimeMs, at) => Effect.sync(() => sampler.record(processes, cpuTimeMs, at)),
    });
  });
}
