// When the next probe of a target is due: interval or fastInterval, plus bounded jitter.

export interface ProbeTiming {
  readonly interval: number;
  readonly fastInterval: number;
  /** Share of the interval, 0..1, added at random to each wait. */
  readonly jitter: number;
}

/** A source of numbers in [0, 1): Math.random in production, a fixed sequence in tests. */
export type RandomSource = () => number;

/**
 * The wait before the next probe, counted from the start of the previous one:
 * `base + floor(random × jitter × base)` where base is `fastInterval` while the target is
 * changing state and `interval` otherwise. Always within [base, base × (1 + jitter)).
 */
export function nextProbeDelayMs(timing: ProbeTiming, isChanging: boolean, random: RandomSource): number {
  const base = isChanging ? timing.fastInterval : timing.interval;
  return base + Math.floor(clampUnit(random()) * timing.jitter * base);
}

/**
 * The wait before a target's first probe: a random spread within `jitter × interval`, so the
 * targets of a big upstream are not probed in one burst, while the first verdict still comes soon.
 */
export function firstProbeDelayMs(timing: ProbeTiming, random: RandomSource): number {
  return Math.floor(clampUnit(random()) * timing.jitter * timing.interval);
}

/** Keeps a misbehaving random source inside [0, 1). */
function clampUnit(value: number): number {
  if (!(value > 0)) return 0;
  return value >= 1 ? 0.999_999 : value;
}
