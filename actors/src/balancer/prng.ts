// The fast seeded pseudo-random generator that randomized pickers own (one per picker).

const TWO_POW_MINUS_32 = 1 / 4294967296;

/**
 * Mulberry32 (a SplitMix32-style generator by Tommy Ettinger): one 32-bit state, a handful of
 * `Math.imul`/xor-shift steps per number, period 2^32, and it passes the usual statistical tests
 * (gjrand, PractRand to several GB), which is far more than balancing needs. It is about as fast
 * as `Math.random()` but is seedable, so tests are deterministic and each picker has its own
 * stream. Not for anything security-sensitive.
 *
 * @example
 * const prng = new Prng(42);
 * const index = prng.below(targets.length);
 */
export class Prng {
  private state: number;

  constructor(seed: number = randomSeed()) {
    this.state = seed | 0;
  }

  /** A uniform integer in [0, 2^32). */
  nextUint32(): number {
    let t = (this.state = (this.state + 0x6d2b79f5) | 0);
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (t ^ (t >>> 14)) >>> 0;
  }

  /**
   * A uniform real in [0, n): the 32-bit draw scaled by n (exact for n < 2^20, so the result is
   * strictly below n). Callers that need an index truncate with `| 0`; the fraction left over is
   * an independent-enough uniform for the alias method's coin.
   */
  scaled(n: number): number {
    return this.nextUint32() * n * TWO_POW_MINUS_32;
  }

  /** A uniform integer in [0, n), for 0 < n < 2^20. */
  below(n: number): number {
    return this.scaled(n) | 0;
  }
}

/** A seed for pickers built without one: drawn once per picker, never per pick. */
export function randomSeed(): number {
  return (Math.random() * 4294967296) >>> 0;
}
