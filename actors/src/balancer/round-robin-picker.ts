// round-robin: smooth weighted round robin (nginx, Apache `byrequests`) over a schedule built once.
import type { BalancedTarget, PickRequest } from './picker.js';
import { IndexedPicker } from './picker-support.js';
import { SmoothWeightedRoundRobin } from './smooth-weighted-round-robin.js';

/**
 * Longest schedule built exactly. Integer weights whose cycle (Σ w / gcd) fits are exact; other
 * weights (fractions from slow start, huge integers) are scaled to about this many slots, so each
 * target's share is off by at most half a slot: 0.006 % of traffic.
 */
const MAX_SCHEDULE = 8192;

/**
 * Smooth weighted round robin: every pick adds each target's weight to its score, takes the
 * highest and subtracts the total from it, so weights 5,1,1 give `a a b a c a a` — the heavy
 * target never runs in a long burst, which matters for targets that are new or just recovered.
 *
 * Why a schedule: SWRR is O(n) per pick, but weights only change when the balancer builds a new
 * picker, so the picker runs SWRR once over a whole cycle at construction and a pick just reads
 * the next slot: O(1) whatever the number of targets.
 *
 * A target at `maxConnections` (or excluded by a retry): when the scheduled target cannot take
 * the request, that one pick runs live SWRR (with its own scores) over the targets that can,
 * as nginx does for peers at `max_conns`. The others then keep exactly their relative shares,
 * where handing the slot to the next scheduled target would favour whoever follows the full one.
 * Such picks are O(n); undefined means no target can take the request.
 *
 * @example
 * const picker = new RoundRobinPicker([a, b, c]); // weights 5, 1, 1
 * picker.pick(request); // a, then a b a c a a, and again
 */
export class RoundRobinPicker<T extends BalancedTarget> extends IndexedPicker<T> {
  private readonly weights: Float64Array;
  /** Target indices in SWRR order, one cycle. */
  private readonly schedule: Uint32Array;
  private cursor = 0;
  /** SWRR scores of the live fallback, used only when the scheduled target cannot take a request. */
  private readonly scores: Float64Array;

  constructor(targets: readonly T[]) {
    super(targets);
    this.weights = Float64Array.from(this.targets, (t) => t.weight);
    this.schedule = buildSchedule(this.targets.map((t) => t.weight));
    this.scores = new Float64Array(this.targets.length);
  }

  pickExcluding(_request: PickRequest, excluded: readonly T[]): T | undefined {
    const schedule = this.schedule;
    if (schedule.length === 0) return undefined;
    const cursor = this.cursor;
    this.cursor = cursor + 1 === schedule.length ? 0 : cursor + 1;
    const i = schedule[cursor] as number;
    return this.canTake(i, excluded) ? this.targets[i] : this.nextAmongAvailable(excluded);
  }

  /** Live SWRR over the targets that can take this request (nginx's loop). */
  private nextAmongAvailable(excluded: readonly T[]): T | undefined {
    const weights = this.weights;
    const scores = this.scores;
    const n = this.targets.length;
    let best = -1;
    let bestScore = -Infinity;
    let total = 0;
    for (let i = 0; i < n; i++) {
      if (!this.canTake(i, excluded)) continue;
      const weight = weights[i] as number;
      const score = (scores[i] as number) + weight;
      scores[i] = score;
      total += weight;
      if (score > bestScore) {
        bestScore = score;
        best = i;
      }
    }
    if (best < 0) return undefined;
    scores[best] = (scores[best] as number) - total;
    return this.targets[best];
  }
}

/** One SWRR cycle over `weights` (all > 0), as indices. */
export function buildSchedule(weights: readonly number[]): Uint32Array {
  const slots = integerWeights(weights);
  const total = slots.reduce((sum, s) => sum + s, 0);
  const swrr = new SmoothWeightedRoundRobin(slots.map((weight, index) => ({ weight, index })));
  const schedule = new Uint32Array(total);
  for (let k = 0; k < total; k++) schedule[k] = swrr.pick()?.index ?? 0;
  return schedule;
}

/** Weights as small integers with the same ratios: divided by their gcd, or scaled to ~MAX_SCHEDULE slots. */
function integerWeights(weights: readonly number[]): number[] {
  if (weights.length === 0) return [];
  if (weights.every((w) => Number.isInteger(w))) {
    const divisor = weights.reduce(gcd);
    const reduced = weights.map((w) => w / divisor);
    if (reduced.reduce((sum, w) => sum + w, 0) <= MAX_SCHEDULE) return reduced;
  }
  const total = weights.reduce((sum, w) => sum + w, 0);
  return weights.map((w) => Math.max(1, Math.round((w / total) * MAX_SCHEDULE)));
}

function gcd(a: number, b: number): number {
  while (b !== 0) [a, b] = [b, a % b];
  return a;
}
