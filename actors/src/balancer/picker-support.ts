// What every picker shares: its candidates by index, their live counts and caps, pick via pickExcluding.
import { EMPTY_INFLIGHT_TABLE, JournalReader, type InflightTable } from './inflight-table.js';
import type { BalancedTarget, Picker, PickRequest } from './picker.js';

/**
 * The exclusion list `pick` passes to `pickExcluding`: one frozen empty array, so a plain pick
 * allocates nothing and the `excluded.length !== 0` test stays monomorphic.
 */
export const NO_EXCLUSIONS: readonly never[] = Object.freeze([]);

/** A cap no in-flight count reaches: what an unlimited `maxConnections` becomes in an Int32Array. */
const UNLIMITED = 0x7fffffff;

/**
 * The targets a picker may ever choose: a positive, finite weight. The balancer hands pickers
 * such targets only, but a draining target (weight 0) or a bad scaled weight must never be picked
 * and must not poison weight sums, so each picker filters once at construction.
 */
export function usableTargets<T extends BalancedTarget>(targets: readonly T[]): T[] {
  return targets.filter((t) => t.weight > 0 && Number.isFinite(t.weight));
}

/**
 * The base of every picker. A picker refers to its candidates by index i (into `targets`, in the
 * order the algorithm wants); their live in-flight counts are `counts[slots[i]]`, read from the
 * upstream's shared InflightTable rather than from the objects, and their caps are `caps[i]`,
 * copied once (`maxConnections` is readonly; an unlimited cap becomes a large int32, so the test
 * stays an int32 compare). `pick` is `pickExcluding` with no exclusions: each algorithm writes
 * its choice once, in `pickExcluding`. A picker that keeps an index over the counts calls
 * `catchUp()` first in a pick and implements `countChanged` and `rebuildIndex`.
 */
export abstract class IndexedPicker<T extends BalancedTarget> implements Picker<T> {
  protected readonly targets: T[];
  protected readonly inflightTable: InflightTable;
  /** The shared in-flight counts (the table's array, held here to save a load per read). */
  protected readonly counts: Int32Array;
  protected readonly slots: Int32Array;
  protected readonly caps: Int32Array;
  /** Per table slot: its candidate index, or -1 when the slot's target is not a candidate. */
  protected readonly indexOfSlot: Int32Array;
  private readonly journal: JournalReader;

  /** `order`, when given, sorts the usable targets (stable) before they get their indices. */
  constructor(targets: readonly T[], order?: (a: T, b: T) => number) {
    const usable = usableTargets(targets);
    this.targets = order === undefined ? usable : usable.sort(order);
    this.inflightTable = this.targets[0]?.inflightTable ?? EMPTY_INFLIGHT_TABLE;
    if (this.targets.some((t) => t.inflightTable !== this.inflightTable)) {
      throw new Error('a picker is built over the targets of one upstream: they must share one InflightTable');
    }
    this.counts = this.inflightTable.counts;
    this.slots = Int32Array.from(this.targets, (t) => t.slot);
    this.caps = Int32Array.from(this.targets, (t) => Math.min(Math.ceil(t.maxConnections), UNLIMITED));
    this.indexOfSlot = new Int32Array(this.counts.length).fill(-1);
    this.slots.forEach((slot, i) => (this.indexOfSlot[slot] = i));
    this.journal = new JournalReader(this.inflightTable);
  }

  pick(request: PickRequest): T | undefined {
    return this.pickExcluding(request, NO_EXCLUSIONS);
  }

  abstract pickExcluding(request: PickRequest, excluded: readonly T[]): T | undefined;

  /**
   * Brings the picker's index up to date with the counts: `countChanged(i)` for each candidate
   * written since the last call (usually one or two), or one `rebuildIndex()` when it fell too far
   * behind. Costs one compare when nothing was written.
   */
  protected catchUp(): void {
    const journal = this.journal;
    const pending = journal.pending();
    if (pending === 0) return;
    if (pending < 0) {
      this.rebuildIndex();
    } else {
      for (let k = 0; k < pending; k++) {
        const i = this.indexOfSlot[journal.slotAt(k)] as number;
        if (i >= 0) this.countChanged(i);
      }
    }
    journal.caughtUp();
  }

  /** Candidate i's count (or nothing about it: a write may store the same value) changed. */
  protected countChanged(_i: number): void {}

  /** Rebuilds the picker's index from the counts. */
  protected rebuildIndex(): void {}

  /** Requests in flight to candidate i. */
  protected inflightAt(i: number): number {
    return this.counts[this.slots[i] as number] as number;
  }

  /** Whether candidate i can take one more request: below its cap and not excluded by a retry. */
  protected canTake(i: number, excluded: readonly T[]): boolean {
    // `includes` runs only on retries; excluded holds 1-3 entries, a linear scan beats a Set.
    return (
      (this.counts[this.slots[i] as number] as number) < (this.caps[i] as number) &&
      (excluded.length === 0 || !excluded.includes(this.targets[i] as T))
    );
  }
}
