// least-request: power of N choices (Envoy `LEAST_REQUEST`), weighted sampling by alias table.
import type { BalancedTarget, PickRequest } from './picker.js';
import { IndexedPicker } from './picker-support.js';
import { Prng } from './prng.js';
import { WeightedSampler } from './weighted-sampler.js';

/** Weighted draws tried per sample slot before falling back to a uniform walk (see below). */
const WEIGHTED_TRIES = 4;

/**
 * Power of N choices: sample `choices` distinct targets at random and send the request to the one
 * with the fewest requests in flight relative to its weight (`ia * wb < ib * wa`, no division;
 * a tie keeps the earlier sample, which is itself random). Like least connections it steers
 * away from slow targets, but it reads N targets instead of all of them, so the cost does not
 * grow with the upstream, and it avoids the herd effect of every proxy (or every node of a
 * cluster, each with its own stale view) sending the next burst to the same least-loaded target.
 * Two choices already give an exponential improvement in maximum load over one (Mitzenmacher).
 *
 * Weights (when they differ): each sample is drawn with probability weight / Σ weights from an
 * alias table built once (O(1) per draw). Envoy instead runs an EDF schedule over
 * `weight / (active + 1)^bias` when weights differ; sampling by weight and then comparing load
 * per unit of weight gives the same two properties — when idle, traffic splits by weight (the
 * first sample wins ties); under load, `inflight / weight` evens out, so a target with twice the
 * weight carries twice the requests — for O(choices) per pick and no shared mutable heap.
 *
 * Distinctness: a slot draws up to WEIGHTED_TRIES weighted samples, rejecting a target already
 * sampled, full (`maxConnections`) or excluded by a retry; if all tries fail (one target holds
 * nearly all the weight, or most are full) it walks from a uniformly random index to the next
 * eligible target, so the comparison never silently degenerates to one candidate. When there are
 * no more targets than choices every target is compared, scanning from a weighted random start
 * so ties still split by weight. PRNG: the picker's own seeded Mulberry32 (see prng.ts).
 */
export class LeastRequestPicker<T extends BalancedTarget> extends IndexedPicker<T> {
  private readonly weights: Float64Array;
  private readonly sampler: WeightedSampler;
  private readonly prng: Prng;
  private readonly choices: number;
  /** Indices sampled during the current pick (choices ≤ 10, so a linear check is cheapest). */
  private readonly sampled: Int32Array;

  constructor(targets: readonly T[], choices = 2, seed?: number) {
    super(targets);
    this.weights = Float64Array.from(this.targets, (t) => t.weight);
    this.sampler = new WeightedSampler(this.weights);
    this.prng = new Prng(seed);
    this.choices = Math.max(1, Math.floor(choices));
    this.sampled = new Int32Array(this.choices);
  }

  pickExcluding(_request: PickRequest, excluded: readonly T[]): T | undefined {
    const targets = this.targets;
    const n = targets.length;
    if (n === 0) return undefined;
    if (n <= this.choices) return this.scanAll(excluded);
    const weights = this.weights;
    const sampled = this.sampled;
    let found = 0;
    let best = -1;
    let bestInflight = 0;
    let bestWeight = 1;
    for (let slot = 0; slot < this.choices; slot++) {
      const i = this.drawEligible(excluded, found);
      if (i < 0) break;
      sampled[found++] = i;
      const inflight = this.inflightAt(i);
      const weight = weights[i] as number;
      if (best < 0 || inflight * bestWeight < bestInflight * weight) {
        best = i;
        bestInflight = inflight;
        bestWeight = weight;
      }
    }
    return best < 0 ? undefined : targets[best];
  }

  /** An index not yet sampled that can take the request, or -1 when there is none. */
  private drawEligible(excluded: readonly T[], found: number): number {
    for (let tries = 0; tries < WEIGHTED_TRIES; tries++) {
      const i = this.sampler.sample(this.prng);
      if (!this.isSampled(i, found) && this.canTake(i, excluded)) return i;
    }
    const n = this.targets.length;
    let i = this.prng.below(n);
    for (let k = 0; k < n; k++) {
      if (!this.isSampled(i, found) && this.canTake(i, excluded)) return i;
      if (++i === n) i = 0;
    }
    return -1;
  }

  private isSampled(index: number, found: number): boolean {
    const sampled = this.sampled;
    for (let k = 0; k < found; k++) if (sampled[k] === index) return true;
    return false;
  }

  /** Few targets: compare them all, from a weighted random start so ties split by weight. */
  private scanAll(excluded: readonly T[]): T | undefined {
    const targets = this.targets;
    const weights = this.weights;
    const n = targets.length;
    let best = -1;
    let bestInflight = 0;
    let bestWeight = 1;
    let i = this.sampler.sample(this.prng);
    for (let k = 0; k < n; k++) {
      if (this.canTake(i, excluded)) {
        const inflight = this.inflightAt(i);
        const weight = weights[i] as number;
        if (best < 0 || inflight * bestWeight < bestInflight * weight) {
          best = i;
          bestInflight = inflight;
          bestWeight = weight;
        }
      }
      if (++i === n) i = 0;
    }
    return best < 0 ? undefined : targets[best];
  }
}
