// random: weighted random choice in O(1) (alias method), with the picker's own seeded PRNG.
import type { BalancedTarget, PickRequest } from './picker.js';
import { IndexedPicker } from './picker-support.js';
import { Prng } from './prng.js';
import { WeightedSampler } from './weighted-sampler.js';

/** Weighted draws before falling back to a walk; with few targets full, one draw almost always does. */
const DRAWS = 4;

/**
 * Each request goes to target i with probability weight_i / Σ weights, independently of the
 * previous ones. No state is shared between picks, so many proxies (or cluster nodes) using it
 * never synchronize, and it needs no feedback from the data plane; the price is more variance
 * than round robin over short windows.
 *
 * Draws come from a Vose alias table built once (see weighted-sampler.ts): O(1) per pick, versus
 * O(log n) for prefix sums with binary search. A drawn target at `maxConnections` (or excluded by
 * a retry) is redrawn up to DRAWS times, then the pick walks from the last draw to the next target
 * that can take the request: the full target's share goes to its neighbours, and a pick is O(n)
 * at worst, returning undefined only when no target can take the request.
 */
export class RandomPicker<T extends BalancedTarget> extends IndexedPicker<T> {
  private readonly sampler: WeightedSampler;
  private readonly prng: Prng;

  constructor(targets: readonly T[], seed?: number) {
    super(targets);
    this.sampler = new WeightedSampler(this.targets.map((t) => t.weight));
    this.prng = new Prng(seed);
  }

  pickExcluding(_request: PickRequest, excluded: readonly T[]): T | undefined {
    const n = this.targets.length;
    if (n === 0) return undefined;
    let i = 0;
    for (let draw = 0; draw < DRAWS; draw++) {
      i = this.sampler.sample(this.prng);
      if (this.canTake(i, excluded)) return this.targets[i];
    }
    for (let k = 0; k < n; k++) {
      if (++i === n) i = 0;
      if (this.canTake(i, excluded)) return this.targets[i];
    }
    return undefined;
  }
}
