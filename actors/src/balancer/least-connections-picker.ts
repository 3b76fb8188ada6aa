// least-connections: weighted least connections (Apache `bybusyness`, HAProxy `leastconn`).
import type { BalancedTarget, PickRequest } from './picker.js';
import { MinTree, NOT_ELIGIBLE } from './min-tree.js';
import { IndexedPicker } from './picker-support.js';

/**
 * Picks the target with the lowest `(inflight + 1) / weight`: the load it would carry after taking
 * this request, relative to its weight. That is HAProxy's `leastconn` key; the `+ 1` lets weights
 * count even when every target is idle (5,1,1 all idle: the 5 is the better choice), and with
 * equal weights it orders targets exactly as `inflight` does. It suits long or uneven requests
 * (websockets, slow APIs) where round robin piles work on a slow target.
 *
 * Ties are broken round robin: among targets of equal weight the choice is the first least loaded
 * one from just after the one picked last (cyclically), so equally loaded targets take turns
 * instead of the first in the list taking every request of a quiet period. A tie between
 * different weights goes to the heavier target.
 *
 * Hot path (the budget is ≤ 100 ns with 100 targets, and reading every target's count is already
 * about 1.1 ns each here, so a pick must not read them all):
 * - targets are grouped by weight, heaviest first, each group a contiguous run with its own
 *   round-robin cursor; inside a group the weight is the same, so its best target is the one with
 *   the fewest in flight, and only each group's best is compared across weights;
 * - each group keeps a MinTree of its counts (NOT_ELIGIBLE for a target at `maxConnections`), so
 *   its least count is the root and "the first least loaded target from the cursor" is one
 *   O(log n) walk. The trees follow the counts through the InflightTable's journal: a pick first
 *   applies the writes since the last pick (typically one request started and one finished: two
 *   O(log n) updates that stop early when a minimum does not change);
 * - no division: `(ia + 1) / wa < (ib + 1) / wb` is tested as `(ia + 1) * wb < (ib + 1) * wa`, which
 *   stays exact enough for fractional (slow-start) weights;
 * - branch and bound: no target of weight w can score below `1 / w` (idle), so once the best
 *   score is at most that for the next group, the rest cannot win; an idle target in the
 *   heaviest group ends the pick at once.
 * Retries (`excluded` targets) are rare and scan the groups linearly with the same rules.
 * Undefined only when nothing can take the request.
 */
export class LeastConnectionsPicker<T extends BalancedTarget> extends IndexedPicker<T> {
  private readonly groupWeight: Float64Array;
  private readonly groupFrom: Int32Array;
  private readonly groupTo: Int32Array;
  /** Per group: the index where its next search starts, just after its last pick. */
  private readonly cursor: Int32Array;
  /** Per candidate: its group. */
  private readonly groupOf: Int32Array;
  /** Per group: counts of its targets (from groupFrom), NOT_ELIGIBLE where a target is full. */
  private readonly trees: MinTree[];

  constructor(targets: readonly T[]) {
    // Heaviest first; the sort is stable, so config order within a weight.
    super(targets, (a, b) => b.weight - a.weight);
    const weights: number[] = [];
    const froms: number[] = [];
    this.targets.forEach((t, i) => {
      if (i === 0 || t.weight !== weights[weights.length - 1]) {
        weights.push(t.weight);
        froms.push(i);
      }
    });
    this.groupWeight = Float64Array.from(weights);
    this.groupFrom = Int32Array.from(froms);
    this.groupTo = Int32Array.from(froms, (_, g) => froms[g + 1] ?? this.targets.length);
    this.cursor = Int32Array.from(froms);
    this.groupOf = new Int32Array(this.targets.length);
    this.trees = froms.map((from, g) => {
      this.groupOf.fill(g, from, this.groupTo[g]);
      return new MinTree((this.groupTo[g] as number) - from);
    });
    this.rebuildIndex();
  }

  pickExcluding(_request: PickRequest, excluded: readonly T[]): T | undefined {
    if (excluded.length !== 0) return this.scanExcluding(excluded);
    this.catchUp();
    let bestGroup = -1;
    // Start as "infinitely loaded" so the first available target always wins the comparison.
    let bestLoad = Infinity;
    let bestWeight = 1;
    for (let g = 0; g < this.trees.length; g++) {
      const weight = this.groupWeight[g] as number;
      // Bound: an idle target of this weight scores 1 / weight; it cannot beat the best so far.
      if (bestLoad * weight <= bestWeight) break;
      const least = (this.trees[g] as MinTree).min();
      if (least === NOT_ELIGIBLE || (least + 1) * bestWeight >= bestLoad * weight) continue;
      bestGroup = g;
      bestLoad = least + 1;
      bestWeight = weight;
      // Idle: it beats the earlier groups (or the bound would have stopped us) and the later ones.
      if (least === 0) break;
    }
    if (bestGroup < 0) return undefined;
    const tree = this.trees[bestGroup] as MinTree;
    const from = this.groupFrom[bestGroup] as number;
    let at = tree.firstAtMost((this.cursor[bestGroup] as number) - from, bestLoad - 1);
    if (at < 0) at = tree.firstAtMost(0, bestLoad - 1);
    return this.picked(bestGroup, from + at);
  }

  protected override countChanged(i: number): void {
    const g = this.groupOf[i] as number;
    (this.trees[g] as MinTree).set(i - (this.groupFrom[g] as number), this.eligibleCount(i));
  }

  protected override rebuildIndex(): void {
    for (let g = 0; g < this.trees.length; g++) {
      const tree = this.trees[g] as MinTree;
      const from = this.groupFrom[g] as number;
      for (let i = from; i < (this.groupTo[g] as number); i++) tree.setLeaf(i - from, this.eligibleCount(i));
      tree.recompute();
    }
  }

  /** Candidate i's count, or NOT_ELIGIBLE when it is at its cap. */
  private eligibleCount(i: number): number {
    const inflight = this.inflightAt(i);
    return inflight < (this.caps[i] as number) ? inflight : NOT_ELIGIBLE;
  }

  /** Moves group g's cursor just past candidate i, its pick. */
  private picked(g: number, i: number): T | undefined {
    this.cursor[g] = i + 1 === (this.groupTo[g] as number) ? (this.groupFrom[g] as number) : i + 1;
    return this.targets[i];
  }

  /** The same choice by a linear scan that skips `excluded` targets (retries only). */
  private scanExcluding(excluded: readonly T[]): T | undefined {
    let best = -1;
    let bestGroup = 0;
    let bestLoad = Infinity;
    let bestWeight = 1;
    for (let g = 0; g < this.groupWeight.length; g++) {
      const weight = this.groupWeight[g] as number;
      if (bestLoad * weight <= bestWeight) break;
      const cursor = this.cursor[g] as number;
      // From the cursor to the end of the group, then from its start: no wrap test per target.
      let leastAt = this.leastIn(cursor, this.groupTo[g] as number, -1, excluded);
      if (leastAt < 0 || this.inflightAt(leastAt) !== 0) leastAt = this.leastIn(this.groupFrom[g] as number, cursor, leastAt, excluded);
      if (leastAt < 0) continue;
      const least = this.inflightAt(leastAt);
      if ((least + 1) * bestWeight >= bestLoad * weight) continue;
      best = leastAt;
      bestGroup = g;
      bestLoad = least + 1;
      bestWeight = weight;
      if (least === 0) break;
    }
    return best < 0 ? undefined : this.picked(bestGroup, best);
  }

  /**
   * The first target in [from, to) with fewer in flight than `leastAt` (or any, when -1) that can
   * take the request; `leastAt` when there is none. Stops at an idle target: nothing beats it.
   */
  private leastIn(from: number, to: number, leastAt: number, excluded: readonly T[]): number {
    let least = leastAt < 0 ? NOT_ELIGIBLE : this.inflightAt(leastAt);
    for (let i = from; i < to; i++) {
      const inflight = this.inflightAt(i);
      if (inflight < least && this.canTake(i, excluded)) {
        least = inflight;
        leastAt = i;
        if (inflight === 0) break;
      }
    }
    return leastAt;
  }
}
