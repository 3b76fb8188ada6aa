// O(1) weighted random index (Walker/Vose alias method), shared by the random and least-request pickers.
import type { Prng } from './prng.js';

/**
 * Draws index i with probability weights[i] / Σ weights in O(1), from one 32-bit random number.
 *
 * Vose's alias method: the table has one column per index; column i keeps its own index with
 * probability `keep[i]` and otherwise yields `alias[i]`. Building is O(n) once per picker; a
 * draw is one multiply, one truncation and one compare, so it beats prefix sums + binary search
 * (O(log n), ~7 unpredictable branches for 100 targets). The column comes from the integer part
 * of `prng.scaled(n)` and the coin from its fraction: with a 32-bit draw and n targets the coin
 * still has 2^32 / n levels, fine for any realistic n. With equal weights the coin is skipped.
 */
export class WeightedSampler {
  readonly size: number;
  private readonly isUniform: boolean;
  private readonly keep: Float64Array;
  private readonly alias: Uint32Array;

  constructor(weights: ArrayLike<number>) {
    const n = weights.length;
    this.size = n;
    this.keep = new Float64Array(n);
    this.alias = new Uint32Array(n);
    let total = 0;
    let isUniform = true;
    for (let i = 0; i < n; i++) {
      const w = weights[i] as number;
      total += w;
      if (w !== weights[0]) isUniform = false;
    }
    this.isUniform = isUniform;
    if (isUniform || n === 0) return;
    // Vose: scale so the mean column is 1; pair each short column with a long one.
    const scaled = new Float64Array(n);
    const small: number[] = [];
    const large: number[] = [];
    for (let i = 0; i < n; i++) {
      const s = ((weights[i] as number) * n) / total;
      scaled[i] = s;
      (s < 1 ? small : large).push(i);
    }
    while (small.length > 0 && large.length > 0) {
      const s = small.pop() as number;
      const l = large[large.length - 1] as number;
      this.keep[s] = scaled[s] as number;
      this.alias[s] = l;
      const rest = (scaled[l] as number) + (scaled[s] as number) - 1;
      scaled[l] = rest;
      if (rest < 1) {
        large.pop();
        small.push(l);
      }
    }
    // What is left is 1 up to rounding error: such columns always keep their own index.
    for (const i of large) this.keep[i] = 1;
    for (const i of small) this.keep[i] = 1;
  }

  /** A weighted random index in [0, size); size must be > 0. */
  sample(prng: Prng): number {
    const u = prng.scaled(this.size);
    const column = u | 0;
    if (this.isUniform) return column;
    return u - column < (this.keep[column] as number) ? column : (this.alias[column] as number);
  }
}
