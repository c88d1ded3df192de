/** A set of measurements of one thing, summarized. */
export interface Summary {
  readonly n: number;
  readonly median: number;
  readonly min: number;
  readonly max: number;
  readonly p90: number;
  readonly samples: ReadonlyArray<number>;
}

const quantile = (sorted: ReadonlyArray<number>, q: number): number => {
  if (sorted.length === 0) return Number.NaN;
  const at = (sorted.length - 1) * q;
  const lo = Math.floor(at);
  const hi = Math.ceil(at);
  return sorted[lo]! + (sorted[hi]! - sorted[lo]!) * (at - lo);
};

export const summarize = (samples: ReadonlyArray<number>): Summary => {
  const sorted = [...samples].sort((a, b) => a - b);
  return {
    n: sorted.length,
    median: quantile(sorted, 0.5),
    min: sorted[0] ?? Number.NaN,
    max: sorted.at(-1) ?? Number.NaN,
    p90: quantile(sorted, 0.9),
    samples: samples.map((s) => Math.round(s * 100) / 100),
  };
};

export const ratio = (a: number, b: number): number => (b > 0 ? Math.round((a / b) * 1000) / 1000 : Number.NaN);

/**
 * Runs each contender `reps` times, interleaved (A B C, B C A, C A B, …) so a
 * burst of machine noise lands on all of them alike rather than on whoever ran then.
 */
export const alternate = async (
  contenders: ReadonlyArray<{ readonly name: string; readonly run: () => Promise<number> }>,
  reps: number,
  warmup = 1,
): Promise<Map<string, number[]>> => {
  const out = new Map<string, number[]>(contenders.map((c) => [c.name, []]));
  for (let rep = -warmup; rep < reps; rep++) {
    const shift = ((rep % contenders.length) + contenders.length) % contenders.length;
    for (let i = 0; i < contenders.length; i++) {
      const c = contenders[(i + shift) % contenders.length]!;
      const value = await c.run();
      if (rep >= 0) out.get(c.name)!.push(value);
    }
  }
  return out;
};
