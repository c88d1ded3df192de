import * as Context from "effect/Context";
import * as Effect from "effect/Effect";
import * as Layer from "effect/Layer";
import pidusage from "pidusage";
import { readLinuxUsage } from "./proc/linux.ts";

export interface UsageSample {
  /** CPU percent (100 = one core); since the previous sample of this PID in this process, else since it started. */
  readonly cpu: number;
  readonly memory: number;
}

const round = (cpu: number) => Math.round(cpu * 10) / 10;

/**
 * On Linux, straight from /proc/PID/stat: one read per PID, nothing spawned, no promises
 * (pidusage reads the same file, plus /proc/uptime, and spawns `getconf` twice first).
 */
const linuxSampler = () => {
  const previous = new Map<number, { startTime: string; cpuTimeMs: number; at: number }>();
  return (pids: ReadonlyArray<number>): Map<number, UsageSample> => {
    const out = new Map<number, UsageSample>();
    const now = Date.now();
    const seen = new Set<number>();
    for (const pid of pids) {
      const u = readLinuxUsage(pid);
      if (!u) continue;
      seen.add(pid);
      const before = previous.get(pid);
      const since = before && before.startTime === u.startTime && now > before.at ? before : { cpuTimeMs: 0, at: u.startedAt };
      const cpu = now > since.at ? ((u.cpuTimeMs - since.cpuTimeMs) / (now - since.at)) * 100 : 0;
      previous.set(pid, { startTime: u.startTime, cpuTimeMs: u.cpuTimeMs, at: now });
      out.set(pid, { cpu: round(Math.max(0, cpu)), memory: u.rssBytes });
    }
    for (const pid of previous.keys()) if (!seen.has(pid)) previous.delete(pid);
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

/** CPU and memory of given PIDs (from /proc on Linux, through pidusage elsewhere); a PID that vanished is simply absent. */
export class Usage extends Context.Service<Usage, {
  readonly sample: (pids: ReadonlyArray<number>) => Effect.Effect<ReadonlyMap<number, UsageSample>>;
}>()("codex-supervisor/Usage") {
  static readonly layer = Layer.sync(Usage, () => {
    const linux = process.platform === "linux" ? linuxSampler() : undefined;
    return Usage.of({
      sample: Effect.fn("Usage.sample")(function* (pids: ReadonlyArray<number>) {
        if (pids.length === 0) return new Map<number, UsageSample>();
        return linux ? linux(pids) : yield* pidusageSample(pids);
      }),
    });
  });
}
