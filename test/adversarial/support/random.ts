/**
 * A seeded PRNG (mulberry32) so a failing randomized run can be replayed exactly:
 * every suite prints its seed; CS_ADVERSARIAL_SEED=<seed> reruns the same cases.
 */
export interface Random {
  readonly seed: number;
  /** A float in [0, 1). */
  next(): number;
  /** An integer in [min, max]. */
  int(min: number, max: number): number;
  pick<T>(items: ReadonlyArray<T>): T;
  chance(p: number): boolean;
}

export const seeded = (seed: number): Random => {
  let state = seed >>> 0;
  const next = () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return {
    seed,
    next,
    int: (min, max) => min + Math.floor(next() * (max - min + 1)),
    pick: (items) => {
      if (items.length === 0) throw new Error("pick from an empty list");
      return items[Math.floor(next() * items.length)]!;
    },
    chance: (p) => next() < p,
  };
};

/** The run's seed: CS_ADVERSARIAL_SEED when given, else a fresh one. */
export const runSeed = (): number => {
  const given = process.env.CS_ADVERSARIAL_SEED;
  return given ? Number(given) >>> 0 : Math.floor(Math.random() * 2 ** 32);
};

/** How many randomized cases to try: CS_ADVERSARIAL_CASES when given, else the quick default. */
export const caseCount = (quick: number): number => {
  const given = Number(process.env.CS_ADVERSARIAL_CASES);
  return Number.isInteger(given) && given > 0 ? given : quick;
};
